package io.weir.filters.basicauth;

import io.weir.spi.ConfigNode;
import io.weir.spi.HttpFilter;
import io.weir.spi.HttpFilterFactory;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.Metrics;
import io.weir.spi.RootContext;
import io.weir.spi.StreamContext;

/**
 * {@code weir.basic_auth}: HTTP Basic authentication (RFC 7617) against a bcrypt htpasswd file.
 * {@link #parseConfig} binds a block with its users (and starts watching the file), so every worker
 * shares them; bcrypt runs on a small shared {@link VerifyPool}. Stateless and thread-safe.
 */
final class BasicAuthFilterFactory implements HttpFilterFactory {
    static final String NAME = "weir.basic_auth";

    private final VerifyPool pool;

    BasicAuthFilterFactory() {
        this(null);
    }

    /** With its own pool (tests); null for the process's shared pool. */
    BasicAuthFilterFactory(VerifyPool pool) {
        this.pool = pool;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Object parseConfig(ConfigNode config) {
        return BasicAuthConfig.from(config);
    }

    @Override
    public HttpFilterRoot createRoot(RootContext context) {
        return new Root(context.metrics(), pool != null ? pool : VerifyPool.Shared.POOL);
    }

    /** Per worker: the metrics and the pool; the users live in the config. */
    static final class Root implements HttpFilterRoot {
        final VerifyPool pool;
        final Metrics.Counter allowed;
        final Metrics.Counter denied;
        final Metrics.Counter overloaded;
        final Metrics.Counter cache;
        final Metrics.Counter reloads;

        Root(Metrics m, VerifyPool pool) {
            this.pool = pool;
            allowed = m.counter("weir_basic_auth_allowed_total", "requests with valid credentials");
            denied =
                    m.counter(
                            "weir_basic_auth_denied_total",
                            "requests answered 401: reason missing, malformed, unknown_user or"
                                    + " wrong_password",
                            "reason");
            overloaded =
                    m.counter(
                            "weir_basic_auth_overloaded_total",
                            "requests answered 503 because the bcrypt queue was full");
            cache =
                    m.counter(
                            "weir_basic_auth_cache_total",
                            "verification cache lookups: result hit or miss",
                            "result");
            reloads =
                    m.counter(
                            "weir_basic_auth_reloads_total",
                            "htpasswd file reloads: result ok, or error (previous users kept)",
                            "result");
        }

        @Override
        public void onConfigure(Object config) {
            ((BasicAuthConfig) config).store().attach(reloads);
        }

        @Override
        public HttpFilter newFilter(StreamContext context) {
            return new BasicAuthFilter(context, this);
        }
    }
}
