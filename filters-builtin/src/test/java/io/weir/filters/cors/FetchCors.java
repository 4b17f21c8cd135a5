package io.weir.filters.cors;

import io.weir.spi.Headers;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The browser's side of the Fetch standard's CORS protocol (fetch.spec.whatwg.org, "CORS check" and
 * "CORS-preflight fetch"), reduced to what the tests need: whether a browser would accept a
 * response. Lets the tests state each case as the browser sees it instead of only as headers.
 */
final class FetchCors {
    private FetchCors() {}

    /** The CORS check: does {@code response} share itself with {@code origin}? */
    static boolean corsCheck(Headers response, String origin, boolean includeCredentials) {
        List<String> acao = response.getAll("access-control-allow-origin");
        if (acao.size() != 1) {
            return false; // absent, or combined from several fields: a failure
        }
        String allowOrigin = acao.get(0);
        if (!includeCredentials && allowOrigin.equals("*")) {
            return true;
        }
        if (!allowOrigin.equals(origin)) {
            return false;
        }
        if (!includeCredentials) {
            return true;
        }
        return "true".equals(response.get("access-control-allow-credentials"));
    }

    /**
     * The CORS-preflight fetch's checks on the preflight response for an actual request with {@code
     * method} and the CORS-unsafe header names {@code unsafeHeaders}.
     */
    static boolean preflightPasses(
            int status,
            Headers response,
            String origin,
            String method,
            List<String> unsafeHeaders,
            boolean includeCredentials) {
        if (status < 200 || status > 299 || !corsCheck(response, origin, includeCredentials)) {
            return false;
        }
        List<String> methods = list(response.get("access-control-allow-methods"));
        List<String> headerNames = list(response.get("access-control-allow-headers"));
        boolean safelisted = method.equals("GET") || method.equals("HEAD") || method.equals("POST");
        if (!methods.contains(method)
                && !safelisted
                && (includeCredentials || !methods.contains("*"))) {
            return false;
        }
        for (String name : unsafeHeaders) {
            String n = name.toLowerCase(Locale.ROOT);
            boolean listed = headerNames.stream().anyMatch(h -> h.equalsIgnoreCase(n));
            if (n.equals("authorization") && !listed) {
                return false; // a CORS non-wildcard request-header name
            }
            if (!listed && (includeCredentials || !headerNames.contains("*"))) {
                return false;
            }
        }
        return true;
    }

    private static List<String> list(String value) {
        List<String> out = new ArrayList<>();
        if (value != null) {
            for (String part : value.split(",")) {
                String t = part.trim();
                if (!t.isEmpty()) {
                    out.add(t);
                }
            }
        }
        return out;
    }
}
