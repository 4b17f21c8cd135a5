package io.weir.filters.cors;

import io.weir.spi.FilterStatus;
import io.weir.spi.Headers;
import io.weir.spi.HttpFilter;
import io.weir.spi.LocalReply;
import io.weir.spi.StreamContext;
import java.util.List;
import java.util.Locale;

/**
 * One request of {@code weir.cors}, following Envoy's CORS filter and the Fetch standard's CORS
 * protocol:
 *
 * <ul>
 *   <li>no {@code Origin}: untouched;
 *   <li>a preflight ({@code OPTIONS} with {@code Origin} and {@code Access-Control-Request-Method})
 *       from an allowed origin: answered here with 200 and the CORS headers; counted {@code
 *       allowed} when the requested method and headers are allowed, else {@code denied} (the
 *       browser then refuses the actual request, as the configured lists do not name them);
 *   <li>a preflight from an origin not allowed: counted {@code denied} and passed to the upstream
 *       unchanged, or with {@code forward_not_matching_preflights: false} answered 200 without CORS
 *       headers;
 *   <li>any other request from an allowed origin: the response gets the CORS headers.
 * </ul>
 */
final class CorsFilter implements HttpFilter {
    private final StreamContext ctx;
    private final CorsFilterFactory.Root root;
    private String origin; // the allowed origin of an actual request, for its response

    CorsFilter(StreamContext ctx, CorsFilterFactory.Root root) {
        this.ctx = ctx;
        this.root = root;
    }

    @Override
    public FilterStatus onRequestHeaders(Headers headers, boolean endOfStream) {
        String requestOrigin = headers.get("origin");
        if (requestOrigin == null || requestOrigin.isEmpty()) {
            return FilterStatus.CONTINUE;
        }
        CorsConfig c = (CorsConfig) ctx.config();
        String requestMethod = headers.get("access-control-request-method");
        boolean preflight =
                "OPTIONS".equals(headers.get(":method"))
                        && requestMethod != null
                        && !requestMethod.isEmpty();
        if (!c.origins.allows(requestOrigin)) {
            root.originDenied.inc();
            if (!preflight) {
                return FilterStatus.CONTINUE;
            }
            root.preflights.inc("denied");
            if (c.forwardNotMatchingPreflights) {
                return FilterStatus.CONTINUE;
            }
            ctx.sendLocalReply(LocalReply.status(200).details("cors_origin_not_allowed").build());
            return FilterStatus.STOP;
        }
        if (!preflight) {
            origin = requestOrigin;
            return FilterStatus.CONTINUE;
        }
        String requestHeaders = requestHeaders(headers.getAll("access-control-request-headers"));
        boolean allowed = c.allowsMethod(requestMethod) && c.allowsHeaders(requestHeaders);
        root.preflights.inc(allowed ? "allowed" : "denied");
        ctx.sendLocalReply(preflightReply(c, requestOrigin, requestMethod, requestHeaders));
        return FilterStatus.STOP;
    }

    @Override
    public FilterStatus onResponseHeaders(Headers headers, boolean endOfStream) {
        if (origin == null) {
            return FilterStatus.CONTINUE;
        }
        CorsConfig c = (CorsConfig) ctx.config();
        headers.set("access-control-allow-origin", c.wildcardOrigin() ? "*" : origin);
        if (c.allowCredentials) {
            headers.set("access-control-allow-credentials", "true");
        }
        if (c.exposeHeadersValue != null) {
            headers.set("access-control-expose-headers", c.exposeHeadersValue);
        }
        varyOnOrigin(headers);
        return FilterStatus.CONTINUE;
    }

    private static LocalReply preflightReply(
            CorsConfig c, String origin, String method, String requestHeaders) {
        LocalReply.Builder r = LocalReply.status(200).details("cors_response");
        r.header("access-control-allow-origin", c.wildcardOrigin() ? "*" : origin);
        if (c.allowCredentials) {
            r.header("access-control-allow-credentials", "true");
        }
        String methods = c.anyMethod() ? method : c.allowMethodsValue;
        if (methods != null) {
            r.header("access-control-allow-methods", methods);
        }
        String allowHeaders = c.anyHeader() ? requestHeaders : c.allowHeadersValue;
        if (allowHeaders != null) {
            r.header("access-control-allow-headers", allowHeaders);
        }
        if (c.maxAgeValue != null) {
            r.header("access-control-max-age", c.maxAgeValue);
        }
        r.header("vary", "origin");
        return r.build();
    }

    /** The requested header names as one list, or null when there are none. */
    private static String requestHeaders(List<String> values) {
        if (values.isEmpty()) {
            return null;
        }
        String joined = values.size() == 1 ? values.get(0) : String.join(",", values);
        return joined.isBlank() ? null : joined.trim();
    }

    /** Appends {@code origin} to {@code vary} unless it is there already (or is {@code *}). */
    private static void varyOnOrigin(Headers headers) {
        List<String> vary = headers.getAll("vary");
        if (vary.isEmpty()) {
            headers.set("vary", "origin");
            return;
        }
        for (String v : vary) {
            for (String token : v.split(",", -1)) {
                String t = token.trim().toLowerCase(Locale.ROOT);
                if (t.equals("origin") || t.equals("*")) {
                    return;
                }
            }
        }
        headers.set("vary", String.join(", ", vary) + ", origin");
    }
}
