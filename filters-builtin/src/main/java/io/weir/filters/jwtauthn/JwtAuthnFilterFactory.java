package io.weir.filters.jwtauthn;

import io.weir.spi.ConfigNode;
import io.weir.spi.HttpFilter;
import io.weir.spi.HttpFilterFactory;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.Metrics;
import io.weir.spi.RootContext;
import io.weir.spi.StreamContext;

/**
 * {@code weir.jwt_authn}: verifies JWTs against configured providers. {@link #parseConfig} binds a
 * block with its providers (keys read, caches made), shared by every worker. Stateless and
 * thread-safe.
 */
final class JwtAuthnFilterFactory implements HttpFilterFactory {
    static final String NAME = "weir.jwt_authn";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Object parseConfig(ConfigNode config) {
        return JwtAuthnConfig.from(config);
    }

    @Override
    public HttpFilterRoot createRoot(RootContext context) {
        return new Root(context);
    }

    /** Per worker: the metrics, and the context remote JWKS fetches are made from. */
    static final class Root implements HttpFilterRoot {
        final RootContext ctx;
        final Metrics.Counter allowed;
        final Metrics.Counter denied;
        final Metrics.Counter cache;
        final Metrics.Counter fetches;

        Root(RootContext ctx) {
            this.ctx = ctx;
            Metrics m = ctx.metrics();
            allowed = m.counter("weir_jwt_authn_allowed_total", "requests with a verified JWT");
            denied =
                    m.counter(
                            "weir_jwt_authn_denied_total",
                            "requests answered 401, by reason",
                            "reason");
            cache =
                    m.counter(
                            "weir_jwt_authn_cache_total",
                            "verified-token cache lookups: hit or miss",
                            "result");
            fetches =
                    m.counter(
                            "weir_jwt_authn_jwks_fetch_total",
                            "remote JWKS fetches started, by provider",
                            "provider");
        }

        @Override
        public HttpFilter newFilter(StreamContext context) {
            return new JwtAuthnFilter(context, this);
        }
    }
}
