package io.weir.filters.rbac;

import io.weir.spi.ConfigNode;
import io.weir.spi.HttpFilter;
import io.weir.spi.HttpFilterFactory;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.Metrics;
import io.weir.spi.RootContext;
import io.weir.spi.StreamContext;

/**
 * {@code weir.rbac}: Istio AuthorizationPolicy semantics (ALLOW and DENY policies of from / to /
 * when rules) on a request's headers, addresses and verified JWT claims. {@link #parseConfig} binds
 * a block (the listener's or a route override's); the root holds the worker's counters. Stateless
 * and thread-safe.
 */
final class RbacFilterFactory implements HttpFilterFactory {
    static final String NAME = "weir.rbac";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Object parseConfig(ConfigNode config) {
        return RbacConfigBinder.bind(config);
    }

    @Override
    public HttpFilterRoot createRoot(RootContext context) {
        return new Root(context.metrics());
    }

    /** Per worker: the counters, labelled with the deciding policy ({@code none}: no policy). */
    static final class Root implements HttpFilterRoot {
        final Metrics.Counter allowed;
        final Metrics.Counter denied;
        final Metrics.Counter shadowAllowed;
        final Metrics.Counter shadowDenied;

        Root(Metrics m) {
            allowed =
                    m.counter("weir_rbac_allowed_total", "requests the policies allowed", "policy");
            denied =
                    m.counter(
                            "weir_rbac_denied_total",
                            "requests the policies denied (403)",
                            "policy");
            shadowAllowed =
                    m.counter(
                            "weir_rbac_shadow_allowed_total",
                            "shadow mode: requests the policies would allow",
                            "policy");
            shadowDenied =
                    m.counter(
                            "weir_rbac_shadow_denied_total",
                            "shadow mode: requests the policies would deny (passed)",
                            "policy");
        }

        @Override
        public HttpFilter newFilter(StreamContext context) {
            return new RbacFilter(context, this);
        }
    }
}
