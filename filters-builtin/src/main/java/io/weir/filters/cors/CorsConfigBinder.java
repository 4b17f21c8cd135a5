package io.weir.filters.cors;

import io.weir.spi.ConfigNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Binds and checks the {@code config:} block of {@code weir.cors}, reporting every error. */
final class CorsConfigBinder {
    private CorsConfigBinder() {}

    /** Binds the {@code config:} block; null after an error. */
    static CorsConfig bind(ConfigNode node) {
        if (!node.expectMap(
                "allow_origins",
                "allow_methods",
                "allow_headers",
                "expose_headers",
                "max_age",
                "allow_credentials",
                "forward_not_matching_preflights")) {
            return null;
        }
        Origins origins = Origins.from(node.get("allow_origins"));
        List<String> methods = tokens(node.get("allow_methods"), "method", false);
        List<String> headers = tokens(node.get("allow_headers"), "header name", true);
        List<String> expose = tokens(node.get("expose_headers"), "header name", true);
        ConfigNode maxAgeNode = node.get("max_age");
        Duration maxAge = maxAgeNode.asDuration(null);
        boolean ok = true;
        if (maxAge != null && maxAge.getNano() != 0) {
            maxAgeNode.error(
                    "must be a whole number of seconds (was "
                            + Origins.describe(maxAgeNode.raw())
                            + ")");
            ok = false;
        }
        ConfigNode credNode = node.get("allow_credentials");
        boolean credentials = credNode.asBoolean(false);
        if (credentials && origins != null && origins.any()) {
            credNode.error(
                    "cannot be true when allow_origins has \"*\" (the Fetch standard forbids a"
                            + " wildcard origin with credentials; list the origins or use a"
                            + " regex)");
            ok = false;
        }
        if (credentials && expose != null && expose.contains("*")) {
            node.get("expose_headers")
                    .error(
                            "\"*\" is not a wildcard when allow_credentials is true (the Fetch"
                                    + " standard reads it as a header named *); list the headers");
            ok = false;
        }
        boolean forward = node.get("forward_not_matching_preflights").asBoolean(true);
        if (!ok || origins == null || methods == null || headers == null || expose == null) {
            return null;
        }
        return new CorsConfig(origins, methods, headers, expose, maxAge, credentials, forward);
    }

    /** A list of tokens or {@code *}; header names are lower-cased. Null after an error. */
    private static List<String> tokens(ConfigNode list, String what, boolean lower) {
        List<String> out = new ArrayList<>();
        boolean ok = true;
        for (ConfigNode n : list.list()) {
            String s = n.requireString();
            if (s == null) {
                ok = false;
            } else if (!s.equals("*") && !isToken(s)) {
                n.error("invalid " + what + " \"" + s + "\" (expected an HTTP token or \"*\")");
                ok = false;
            } else {
                String v = lower ? s.toLowerCase(Locale.ROOT) : s;
                if (!out.contains(v)) {
                    out.add(v);
                }
            }
        }
        return ok ? out : null;
    }

    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean alnum = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
            if (!alnum && "!#$%&'*+-.^_`|~".indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }
}
