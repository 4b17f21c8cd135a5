package io.weir.kernel.http;

import io.weir.kernel.http1.HeaderMap;
import java.util.Locale;

/**
 * Removal of hop-by-hop header fields (RFC 9110 7.6.1) before a message is forwarded.
 *
 * <p>Both run on every request and response, so the usual messages take a single pass over the
 * names with no allocation: a request with no hop-by-hop field leaves at once, and a {@code
 * connection} field of just {@code keep-alive} or {@code close} (what servers send) names no other
 * field to remove. A profile of a Weir with one filter had {@code stripResponse} at about 650 ns a
 * response: there the JIT had not inlined it into the response path, and the copy that ran was
 * C1's, with the list, substring, trim and lower-casing of every {@code connection} value and a
 * predicate call per field.
 */
final class Hop {
    private Hop() {}

    /** {@link #scan}: nothing to strip. */
    private static final int NONE = 0;

    /** {@link #scan}: fields to strip. */
    private static final int FIELDS = 1;

    /** {@link #scan}: fields to strip, and a {@code connection} value naming other fields. */
    private static final int LISTED = 2;

    /** Strips the request's hop-by-hop fields, {@code expect} and framing Weir will redo. */
    static void stripRequest(HeaderMap h) {
        int found = scan(h, true);
        if (found == NONE) {
            return;
        }
        if (found == LISTED) {
            stripListed(h);
        }
        String te = h.get("te");
        boolean keepTe = te != null && te.trim().equalsIgnoreCase("trailers");
        h.removeIf(n -> hopByHop(n) || n.equals("expect") || !keepTe && n.equals("te"));
    }

    /** Strips the response's hop-by-hop fields; Weir sets its own framing. */
    static void stripResponse(HeaderMap h) {
        int found = scan(h, false);
        if (found == NONE) {
            return;
        }
        if (found == LISTED) {
            stripListed(h);
        }
        h.removeIf(Hop::hopByHop);
    }

    /**
     * One pass over the names: {@link #NONE}, {@link #FIELDS}, or {@link #LISTED} when a {@code
     * connection} value is more than {@code keep-alive} or {@code close} (the usual values, which
     * name no field to remove). A request also strips {@code expect} and {@code te}.
     */
    private static int scan(HeaderMap h, boolean request) {
        int found = NONE;
        for (int i = 0, n = h.size(); i < n; i++) {
            String name = h.name(i);
            if (name.equals("connection")) {
                String v = h.value(i);
                if (!v.equalsIgnoreCase("keep-alive") && !v.equalsIgnoreCase("close")) {
                    return LISTED;
                }
                found = FIELDS;
            } else if (hopByHop(name) || request && (name.equals("expect") || name.equals("te"))) {
                found = FIELDS;
            }
        }
        return found;
    }

    /** The fields that end at each hop, in both directions (transfer-encoding Weir redoes). */
    private static boolean hopByHop(String name) {
        return switch (name) {
            case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade" ->
                    true;
            default -> false;
        };
    }

    /** Removes every field the {@code connection} header names (not the header itself). */
    private static void stripListed(HeaderMap h) {
        for (String v : h.getAll("connection")) {
            int start = 0;
            while (start <= v.length()) {
                int comma = v.indexOf(',', start);
                if (comma < 0) {
                    comma = v.length();
                }
                String t = v.substring(start, comma).trim().toLowerCase(Locale.ROOT);
                start = comma + 1;
                switch (t) {
                    case "", "close", "keep-alive", "content-length", "host", "connection" -> {}
                    default -> h.remove(t);
                }
            }
        }
    }
}
