package io.weir.filters.extauthz;

import io.weir.spi.Body;
import io.weir.spi.Cancellable;
import io.weir.spi.FilterStatus;
import io.weir.spi.Headers;
import io.weir.spi.HttpCallRequest;
import io.weir.spi.HttpCallResponse;
import io.weir.spi.HttpFilter;
import io.weir.spi.LocalReply;
import io.weir.spi.StreamContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One request through {@code weir.ext_authz}: sends the check (after the body when {@code
 * with_request_body} is set), pauses the request, and on the answer continues it, or replies.
 */
final class ExtAuthzFilter implements HttpFilter {
    static final String FAILURE_MODE_HEADER = "x-envoy-auth-failure-mode-allowed";
    static final String DENIED = "ext_authz_denied";
    static final String ERROR = "ext_authz_error";
    static final String FLAG = "UAEX";

    private final StreamContext ctx;
    private final ExtAuthzFilterFactory.Root root;
    private ExtAuthzConfig config;
    private Cancellable call;

    ExtAuthzFilter(StreamContext ctx, ExtAuthzFilterFactory.Root root) {
        this.ctx = ctx;
        this.root = root;
    }

    @Override
    public FilterStatus onRequestHeaders(Headers headers, boolean endOfStream) {
        config = (ExtAuthzConfig) ctx.config();
        if (config.maxRequestBytes() >= 0 && !endOfStream) {
            ctx.bufferRequestBody(config.maxRequestBytes());
            return FilterStatus.CONTINUE; // held by the kernel until onRequestBody
        }
        check(headers, null);
        return FilterStatus.STOP;
    }

    @Override
    public FilterStatus onRequestBody(Body body, boolean endOfStream) {
        if (config == null || config.maxRequestBytes() < 0 || call != null) {
            return FilterStatus.CONTINUE;
        }
        check(ctx.requestHeaders(), body.bytes());
        return FilterStatus.STOP;
    }

    @Override
    public void onDestroy() {
        if (call != null) {
            call.cancel();
        }
    }

    /** The check request for {@code headers}: Envoy's HTTP service request. */
    static HttpCallRequest checkRequest(ExtAuthzConfig c, Headers headers, byte[] body) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        for (String name : c.requestHeaders()) {
            if (name.equals("x-forwarded-host")) {
                continue; // ours below, never the client's
            }
            for (String v : headers.getAll(name)) {
                out.add(Map.entry(name, v));
            }
        }
        String host = headers.get(":authority");
        if (host != null) {
            out.add(Map.entry("x-forwarded-host", host));
        }
        String path = headers.get(":path");
        path = c.pathPrefix() + (path == null || path.isEmpty() ? "/" : path);
        return new HttpCallRequest(headers.get(":method"), path, host, out, body);
    }

    private void check(Headers headers, byte[] body) {
        ExtAuthzConfig c = config;
        call =
                ctx.httpCall(
                        c.cluster(), checkRequest(c, headers, body), c.timeout(), this::onAnswer);
    }

    private void onAnswer(HttpCallResponse r) {
        ExtAuthzConfig c = config;
        if (!r.ok() || r.status() < 200 || r.status() > 599) {
            String reason = r.ok() ? "bad_status" : r.failure();
            root.error.inc(reason);
            root.warnFailure(c.cluster(), reason);
            if (c.failureModeAllow()) {
                root.failureModeAllowed.inc();
                ctx.requestHeaders().set(FAILURE_MODE_HEADER, "true");
                ctx.continueRequest();
            } else {
                ctx.debug("ext_authz error reply cluster=" + c.cluster() + " reason=" + reason);
                ctx.sendLocalReply(
                        LocalReply.status(c.statusOnError())
                                .details(ERROR)
                                .responseFlag(FLAG)
                                .build());
            }
            return;
        }
        if (r.status() < 300) {
            root.ok.inc();
            copyUpstream(c, r, ctx.requestHeaders());
            ctx.continueRequest();
            return;
        }
        root.denied.inc();
        ctx.debug("ext_authz denied status=" + r.status());
        ctx.sendLocalReply(denial(c, r));
    }

    /** Copies the allowed headers of an allowing answer, replacing the client's values. */
    static void copyUpstream(ExtAuthzConfig c, HttpCallResponse r, Headers upstream) {
        Set<String> seen = new HashSet<>();
        for (Map.Entry<String, String> e : r.headers()) {
            String name = e.getKey();
            if (c.upstreamHeaders().contains(name)) {
                if (seen.add(name)) {
                    upstream.set(name, e.getValue());
                } else {
                    upstream.add(name, e.getValue());
                }
            }
        }
    }

    /** The reply for a denying answer: its status, body and allowed headers. */
    static LocalReply denial(ExtAuthzConfig c, HttpCallResponse r) {
        LocalReply.Builder b =
                LocalReply.status(r.status())
                        .body(new String(r.body(), StandardCharsets.UTF_8))
                        .details(DENIED)
                        .responseFlag(FLAG);
        for (Map.Entry<String, String> e : r.headers()) {
            String name = e.getKey();
            boolean allowed =
                    c.clientHeaders() == null
                            ? !ExtAuthzConfig.RESERVED.contains(name) && !name.startsWith(":")
                            : c.clientHeaders().contains(name);
            if (allowed) {
                b.header(name, e.getValue());
            }
        }
        return b.build();
    }
}
