package io.weir.filters.extauthz;

import io.weir.spi.ConfigNode;
import io.weir.spi.HttpFilter;
import io.weir.spi.HttpFilterFactory;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.Metrics;
import io.weir.spi.RootContext;
import io.weir.spi.StreamContext;
import java.lang.System.Logger.Level;

/**
 * {@code weir.ext_authz}: Envoy's external authorization with an HTTP service. {@link #parseConfig}
 * binds a block (the listener's or a route override's); the root holds the worker's counters.
 * Stateless and thread-safe.
 */
final class ExtAuthzFilterFactory implements HttpFilterFactory {
    static final String NAME = "weir.ext_authz";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Object parseConfig(ConfigNode config) {
        return ExtAuthzConfig.from(config);
    }

    @Override
    public HttpFilterRoot createRoot(RootContext context) {
        return new Root(context);
    }

    /** Per worker: the counters and the warning rate limit. Worker thread only. */
    static final class Root implements HttpFilterRoot {
        private static final long WARN_EVERY_NANOS = 10_000_000_000L;

        final RootContext ctx;
        final Metrics.Counter ok;
        final Metrics.Counter denied;
        final Metrics.Counter error;
        final Metrics.Counter failureModeAllowed;
        private long lastWarn;
        private boolean warned;

        Root(RootContext ctx) {
            this.ctx = ctx;
            Metrics m = ctx.metrics();
            ok = m.counter("weir_ext_authz_ok_total", "requests the service allowed (2xx)");
            denied =
                    m.counter(
                            "weir_ext_authz_denied_total",
                            "requests the service denied (any status but 2xx)");
            error =
                    m.counter(
                            "weir_ext_authz_error_total",
                            "checks that failed (timeout, connection failure, no host...)",
                            "reason");
            failureModeAllowed =
                    m.counter(
                            "weir_ext_authz_failure_mode_allowed_total",
                            "requests let through after a failed check (failure_mode_allow)");
        }

        /** At most one warning per 10 s per worker: failures can come with every request. */
        void warnFailure(String cluster, String reason) {
            long now = ctx.nanoTime();
            if (warned && now - lastWarn < WARN_EVERY_NANOS) {
                return;
            }
            warned = true;
            lastWarn = now;
            ctx.logger()
                    .log(
                            Level.WARNING,
                            "ext_authz check failed cluster=" + cluster + " reason=" + reason);
        }

        @Override
        public HttpFilter newFilter(StreamContext context) {
            return new ExtAuthzFilter(context, this);
        }
    }
}
