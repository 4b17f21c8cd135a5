package io.weir.filters.rbac;

import io.weir.spi.FilterStatus;
import io.weir.spi.Headers;
import io.weir.spi.HttpFilter;
import io.weir.spi.LocalReply;
import io.weir.spi.StreamContext;

/**
 * One request through {@code weir.rbac}: evaluates the policies on the request headers; a denied
 * request gets Envoy's 403 {@code RBAC: access denied} with the response flag {@code RBAC}. In
 * shadow mode the outcome is counted and recorded as metadata, and the request passes.
 */
final class RbacFilter implements HttpFilter {
    static final String BODY = "RBAC: access denied";
    static final String SHADOW_RESULT = "rbac.shadow_engine_result";
    static final String SHADOW_POLICY = "rbac.shadow_effective_policy_id";

    private final StreamContext ctx;
    private final RbacFilterFactory.Root root;

    RbacFilter(StreamContext ctx, RbacFilterFactory.Root root) {
        this.ctx = ctx;
        this.root = root;
    }

    @Override
    public FilterStatus onRequestHeaders(Headers headers, boolean endOfStream) {
        RbacConfig c = (RbacConfig) ctx.config();
        RbacConfig.Decision d = c.evaluate(new RequestView(ctx, headers));
        if (c.shadow()) {
            (d.allowed() ? root.shadowAllowed : root.shadowDenied).inc(d.policy());
            ctx.setMetadata(SHADOW_RESULT, d.allowed() ? "allowed" : "denied");
            ctx.setMetadata(SHADOW_POLICY, d.policy());
            return FilterStatus.CONTINUE;
        }
        if (d.allowed()) {
            root.allowed.inc(d.policy());
            return FilterStatus.CONTINUE;
        }
        root.denied.inc(d.policy());
        ctx.debug("rbac denied policy=" + d.policy());
        ctx.sendLocalReply(
                LocalReply.status(403)
                        .body(BODY)
                        .details("rbac_access_denied_matched_policy[" + d.policy() + "]")
                        .build());
        return FilterStatus.STOP;
    }
}
