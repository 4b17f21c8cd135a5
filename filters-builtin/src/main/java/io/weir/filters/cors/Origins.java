package io.weir.filters.cors;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.weir.spi.ConfigNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The allowed origins: {@code *}, exact origins (compared as serialized origins: scheme and host
 * without regard to case, the scheme's default port implied) and regular expressions (matching the
 * whole {@code Origin} value, compiled once). Immutable and thread-safe.
 *
 * @param any whether {@code *} was given: every origin is allowed
 * @param exact the exact origins, normalized ({@code https://app.example}, {@code
 *     http://localhost:8080})
 * @param regexes the compiled {@code {regex: ...}} entries
 */
record Origins(boolean any, Set<String> exact, List<Pattern> regexes) {
    Origins {
        exact = Set.copyOf(exact);
        regexes = List.copyOf(regexes);
    }

    /** Whether the {@code Origin} header value {@code origin} is allowed. */
    boolean allows(String origin) {
        if (any) {
            return true;
        }
        if (!exact.isEmpty()) {
            String n = normalize(origin);
            if (n != null && exact.contains(n)) {
                return true;
            }
        }
        for (Pattern p : regexes) {
            if (p.matcher(origin).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Binds the {@code allow_origins} list; null after an error. */
    static Origins from(ConfigNode node) {
        if (node.isMissing()) {
            node.error(
                    "is required (a list of origins such as https://app.example, \"*\" or"
                            + " {regex: ...})");
            return null;
        }
        if ("*".equals(node.raw())) {
            return new Origins(true, Set.of(), List.of());
        }
        List<ConfigNode> items = node.list();
        if (items.isEmpty() && node.raw() instanceof List) {
            node.error("must not be empty");
            return null;
        }
        boolean ok = !items.isEmpty();
        boolean any = false;
        Set<String> exact = new LinkedHashSet<>();
        List<Pattern> regexes = new ArrayList<>();
        for (ConfigNode item : items) {
            if (item.isMap()) {
                Pattern p = regex(item);
                ok &= p != null;
                if (p != null) {
                    regexes.add(p);
                }
            } else if ("*".equals(item.raw())) {
                any = true;
            } else {
                String s = item.raw() instanceof String str ? str : null;
                String n = s == null ? null : normalize(s);
                if (n == null) {
                    item.error(
                            "expected \"*\", an origin such as https://app.example"
                                    + " (scheme://host[:port], nothing after it) or {regex: ...}"
                                    + " (was "
                                    + describe(item.raw())
                                    + ")");
                    ok = false;
                } else {
                    exact.add(n);
                }
            }
        }
        return ok ? new Origins(any, exact, regexes) : null;
    }

    private static Pattern regex(ConfigNode item) {
        if (!item.expectMap("regex")) {
            return null;
        }
        ConfigNode r = item.get("regex");
        String text = r.requireString();
        if (text == null) {
            return null;
        }
        try {
            return Pattern.compile(text);
        } catch (PatternSyntaxException e) {
            r.error("invalid regex \"" + text + "\": " + e.getDescription());
            return null;
        }
    }

    /**
     * The serialized origin {@code scheme://host[:port]} with scheme and host lower-cased and a
     * default port (80 for http, 443 for https) dropped; null when {@code s} is not an origin (no
     * path, query, fragment or user info allowed).
     */
    static String normalize(String s) {
        int sep = s.indexOf("://");
        if (sep <= 0) {
            return null;
        }
        String scheme = s.substring(0, sep).toLowerCase(Locale.ROOT);
        for (int i = 0; i < scheme.length(); i++) {
            char c = scheme.charAt(i);
            boolean ok =
                    c >= 'a' && c <= 'z'
                            || i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.');
            if (!ok) {
                return null;
            }
        }
        String authority = s.substring(sep + 3);
        if (authority.isEmpty()) {
            return null;
        }
        for (int i = 0; i < authority.length(); i++) {
            char c = authority.charAt(i);
            if (c <= ' ' || c >= 0x7f || "/?#@\\".indexOf(c) >= 0) {
                return null;
            }
        }
        String host = authority;
        String port = null;
        int colon = authority.lastIndexOf(':');
        if (colon >= 0 && colon > authority.lastIndexOf(']')) {
            host = authority.substring(0, colon);
            port = authority.substring(colon + 1);
            if (!isPort(port)) {
                return null;
            }
        }
        if (host.isEmpty()) {
            return null;
        }
        host = host.toLowerCase(Locale.ROOT);
        if (port != null) {
            port = Integer.toString(Integer.parseInt(port));
            if (scheme.equals("http") && port.equals("80")
                    || scheme.equals("https") && port.equals("443")) {
                port = null;
            }
        }
        return scheme + "://" + host + (port == null ? "" : ":" + port);
    }

    private static boolean isPort(String p) {
        if (p.isEmpty() || p.length() > 5) {
            return false;
        }
        for (int i = 0; i < p.length(); i++) {
            if (p.charAt(i) < '0' || p.charAt(i) > '9') {
                return false;
            }
        }
        int n = Integer.parseInt(p);
        return n >= 1 && n <= 65535;
    }

    static String describe(Object v) {
        if (v instanceof String s) {
            return "\"" + s + "\"";
        }
        if (v instanceof List) {
            return "a list";
        }
        return String.valueOf(v);
    }
}
