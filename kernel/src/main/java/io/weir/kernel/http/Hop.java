package io.weir.kernel.http;

import io.weir.kernel.http1.HeaderMap;
import java.util.Locale;

/** Removal of hop-by-hop header fields (RFC 9110 7.6.1) before a message is forwarded. */
final class Hop {
    private Hop() {}

    /** Strips the request's hop-by-hop fields, {@code expect} and framing Weir will redo. */
    static void stripRequest(HeaderMap h) {
        stripListed(h);
        String te = h.get("te");
        boolean keepTe = te != null && te.trim().equalsIgnoreCase("trailers");
        h.removeIf(n -> hopByHop(n) || n.equals("expect") || !keepTe && n.equals("te"));
    }

    /** Strips the response's hop-by-hop fields; Weir sets its own framing. */
    static void stripResponse(HeaderMap h) {
        stripListed(h);
        h.removeIf(Hop::hopByHop);
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
        if (h.count("connection") == 0) {
            return;
        }
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
