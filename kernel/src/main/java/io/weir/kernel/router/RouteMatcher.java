package io.weir.kernel.router;

import io.weir.kernel.config.Route;
import io.weir.kernel.http1.HeaderMap;
import java.util.List;

/** Evaluates one route's match against a request. Stateless. */
final class RouteMatcher {
    private RouteMatcher() {}

    static boolean matches(
            Route.Match m, String method, String path, String query, HeaderMap headers) {
        if (m.prefix() != null) {
            if (!m.caseSensitive()
                    ? !path.regionMatches(true, 0, m.prefix(), 0, m.prefix().length())
                    : !path.startsWith(m.prefix())) {
                return false;
            }
        } else if (m.path() != null) {
            if (m.caseSensitive() ? !path.equals(m.path()) : !path.equalsIgnoreCase(m.path())) {
                return false;
            }
        } else if (m.safeRegex() != null && !m.safeRegex().matches(path)) {
            return false;
        }
        if (m.methods() != null && !m.methods().isEmpty() && !m.methods().contains(method)) {
            return false;
        }
        if (m.headers() != null) {
            for (Route.HeaderMatcher h : m.headers()) {
                if (headerMatches(h, headers) == h.invert()) {
                    return false;
                }
            }
        }
        if (m.queryParameters() != null && !m.queryParameters().isEmpty()) {
            for (Route.QueryParameterMatcher q : m.queryParameters()) {
                if (!queryMatches(q, query)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean headerMatches(Route.HeaderMatcher h, HeaderMap headers) {
        List<String> values = headers.getAll(h.name());
        if (h.present() != null) {
            return values.isEmpty() != h.present();
        }
        if (values.isEmpty()) {
            return false;
        }
        // several fields of one name match as their comma-joined value (RFC 9110 5.3)
        String v = values.size() == 1 ? values.get(0) : String.join(",", values);
        if (h.exact() != null) {
            return v.equals(h.exact());
        }
        if (h.prefix() != null) {
            return v.startsWith(h.prefix());
        }
        if (h.regex() != null) {
            return h.regex().matches(v);
        }
        return true;
    }

    private static boolean queryMatches(Route.QueryParameterMatcher q, String query) {
        String value = queryValue(query, q.name());
        if (q.present() != null) {
            return (value != null) == q.present();
        }
        if (value == null) {
            return false;
        }
        if (q.exact() != null) {
            return value.equals(q.exact());
        }
        if (q.prefix() != null) {
            return value.startsWith(q.prefix());
        }
        if (q.regex() != null) {
            return q.regex().matches(value);
        }
        return true;
    }

    /** The first value of {@code name} in a raw query string (percent-decoded), or null. */
    static String queryValue(String query, String name) {
        if (query == null || query.isEmpty()) {
            return null;
        }
        int i = 0;
        while (i <= query.length()) {
            int amp = query.indexOf('&', i);
            if (amp < 0) {
                amp = query.length();
            }
            int eq = query.indexOf('=', i);
            String k;
            String v;
            if (eq >= 0 && eq < amp) {
                k = query.substring(i, eq);
                v = query.substring(eq + 1, amp);
            } else {
                k = query.substring(i, amp);
                v = "";
            }
            if (decode(k).equals(name)) {
                return decode(v);
            }
            i = amp + 1;
        }
        return null;
    }

    private static String decode(String s) {
        if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
            return s;
        }
        try {
            return java.net.URLDecoder.decode(s, java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
