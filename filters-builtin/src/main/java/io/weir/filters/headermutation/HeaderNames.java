package io.weir.filters.headermutation;

import io.weir.spi.ConfigNode;
import java.util.Locale;
import java.util.Set;

/** Checks of the header names and values a mutation may use (RFC 9110). */
final class HeaderNames {
    /**
     * Hop-by-hop and framing fields: Weir strips or rewrites them on each hop, so a mutation of
     * them would be lost or would break the framing.
     */
    static final Set<String> HOP_BY_HOP =
            Set.of(
                    "connection",
                    "keep-alive",
                    "proxy-connection",
                    "transfer-encoding",
                    "upgrade",
                    "te",
                    "content-length");

    private HeaderNames() {}

    /** An RFC 9110 token: the syntax of a field name. */
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

    /** Whether {@code v} has no CR, LF or NUL (what would split or end a field). */
    static boolean isSafeValue(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The lower-cased name at {@code node} if a mutation may change it; null after an error. {@code
     * op} is the operation ({@code add}, {@code set}, {@code remove}, {@code rename}): {@code host}
     * may only be set.
     */
    static String mutable(ConfigNode node, String op) {
        String name = node.requireString();
        if (name == null) {
            return null;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.startsWith(":")) {
            node.error("cannot modify pseudo-header \"" + lower + "\"");
            return null;
        }
        if (!isToken(name)) {
            node.error("invalid header name \"" + name + "\" (expected an HTTP token)");
            return null;
        }
        if (HOP_BY_HOP.contains(lower)) {
            node.error("cannot modify hop-by-hop or framing header \"" + lower + "\"");
            return null;
        }
        if (lower.equals("host") && !op.equals("set")) {
            node.error("cannot " + op + " \"host\" (only set may change it)");
            return null;
        }
        return lower;
    }
}
