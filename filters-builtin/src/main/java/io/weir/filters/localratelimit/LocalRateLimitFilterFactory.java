package io.weir.filters.localratelimit;

import io.weir.spi.ConfigNode;
import io.weir.spi.HttpFilter;
import io.weir.spi.HttpFilterFactory;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.Metrics;
import io.weir.spi.RootContext;
import io.weir.spi.StreamContext;

/**
 * {@code weir.local_ratelimit}: Envoy's local rate limit. {@link #parseConfig} binds a block (the
 * listener's or a route override's) together with its own token bucket state, so every worker's
 * root shares the buckets of a block, and a reload or an override starts with full buckets.
 * Stateless and thread-safe.
 */
final class LocalRateLimitFilterFactory implements HttpFilterFactory {
    static final String NAME = "weir.local_ratelimit";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Object parseConfig(ConfigNode config) {
        return LocalRateLimitConfig.from(config);
    }

    @Override
    public HttpFilterRoot createRoot(RootContext context) {
        return new Root(context.metrics());
    }

    /** Per worker: the metrics; the buckets live in the config. */
    static final class Root implements HttpFilterRoot {
        final Metrics.Counter allowed;
        final Metrics.Counter limited;

        Root(Metrics m) {
            allowed =
                    m.counter(
                            "weir_ratelimit_allowed_total",
                            "requests the local rate limit let through with a token");
            limited =
                    m.counter(
                            "weir_ratelimit_limited_total",
                            "requests over the local rate limit (rejected, or passed in shadow mode)");
        }

        @Override
        public HttpFilter newFilter(StreamContext context) {
            return new LocalRateLimitFilter(context, this);
        }
    }
}
