package io.weir.filters.apikey;

import io.weir.spi.Headers;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Where a key may be: a request header or a query parameter ({@code header:NAME}, {@code
 * query:NAME}). Immutable.
 */
record KeySource(boolean header, String name) {
    private static final Pattern TOKEN = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+");

    /** {@code header:NAME} (a lower-case header name) or {@code query:NAME}; null when invalid. */
    static KeySource parse(String s) {
        if (s.startsWith("header:")) {
            String n = s.substring(7);
            return TOKEN.matcher(n).matches() ? new KeySource(true, n) : null;
        }
        if (s.startsWith("query:")) {
            String n = s.substring(6);
            return n.isEmpty() || n.contains("&") || n.contains("=") || n.contains("#")
                    ? null
                    : new KeySource(false, n);
        }
        return null;
    }

    static boolean isHeaderName(String s) {
        return TOKEN.matcher(s).matches();
    }

    /** The first non-empty value here, or null. */
    String find(Headers headers) {
        if (header) {
            for (String v : headers.getAll(name)) {
                String t = v.strip();
                if (!t.isEmpty()) {
                    return t;
                }
            }
            return null;
        }
        String path = headers.get(":path");
        int q = path == null ? -1 : path.indexOf('?');
        if (q < 0) {
            return null;
        }
        for (String pair : path.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            String n = eq < 0 ? pair : pair.substring(0, eq);
            if (eq > 0 && name.equals(decode(n))) {
                String v = decode(pair.substring(eq + 1));
                if (!v.isEmpty()) {
                    return v;
                }
            }
        }
        return null;
    }

    /** Removes every value here from the request that goes upstream. */
    void strip(Headers headers) {
        if (header) {
            headers.remove(name);
            return;
        }
        String path = headers.get(":path");
        int q = path == null ? -1 : path.indexOf('?');
        if (q < 0) {
            return;
        }
        StringBuilder kept = new StringBuilder();
        boolean removed = false;
        for (String pair : path.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            if (name.equals(decode(eq < 0 ? pair : pair.substring(0, eq)))) {
                removed = true;
                continue;
            }
            if (kept.length() > 0) {
                kept.append('&');
            }
            kept.append(pair);
        }
        if (removed) {
            String base = path.substring(0, q);
            headers.set(":path", kept.length() == 0 ? base : base + "?" + kept);
        }
    }

    /** Percent-decoding as in a form ({@code +} is a space); a bad escape leaves the text as is. */
    private static String decode(String s) {
        if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
            return s;
        }
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    @Override
    public String toString() {
        return (header ? "header:" : "query:") + name;
    }
}
