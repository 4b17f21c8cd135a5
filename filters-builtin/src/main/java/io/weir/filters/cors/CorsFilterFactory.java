package io.weir.filters.cors;

import io.weir.spi.ConfigNode;
import io.weir.spi.HttpFilterFactory;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.Metrics;
import io.weir.spi.RootContext;
import io.weir.spi.StreamContext;

/** {@code weir.cors}: answers CORS preflights and adds CORS headers to allowed responses. */
public final class CorsFilterFactory implements HttpFilterFactory {
    /** The filter's name in config. */
    public static final String NAME = "weir.cors";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Object parseConfig(ConfigNode config) {
        return CorsConfigBinder.bind(config);
    }

    @Override
    public HttpFilterRoot createRoot(RootContext context) {
        return new Root(context.metrics());
    }

    /** The per-worker root: the counters, shared by the worker's streams. */
    static final class Root implements HttpFilterRoot {
        final Metrics.Counter preflights;
        final Metrics.Counter originDenied;

        Root(Metrics metrics) {
            preflights =
                    metrics.counter(
                            "weir_cors_preflight_total",
                            "CORS preflight requests by result (allowed, denied)",
                            "result");
            originDenied =
                    metrics.counter(
                            "weir_cors_origin_denied_total",
                            "requests with an Origin header that is not allowed");
        }

        @Override
        public CorsFilter newFilter(StreamContext context) {
            return new CorsFilter(context, this);
        }
    }
}
