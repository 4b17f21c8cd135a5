package io.weir.kernel.http;

import io.weir.kernel.http1.HeaderMap;

/** Removal of hop-by-hop header fields (RFC 9110 7.6.1) before a message is forwarded. */
final class Hop {
    private Hop() {}

    /** Strips the request's hop-by-hop fields, {@code expect} and framing Weir will redo. */
    static void stripRequest(HeaderMap h) {
        stripListed(h);
        h.remove("keep-alive");
        h.remove("proxy-connection");
        h.remove("transfer-encoding");
        h.remove("upgrade");
        h.remove("expect");
        String te = h.get("te");
        if (te != null && !te.trim().equalsIgnoreCase("trailers")) {
            h.remove("te");
        }
    }

    /** Strips the response's hop-by-hop fields; Weir sets its own framing. */
    static void stripResponse(HeaderMap h) {
        stripListed(h);
        h.remove("keep-alive");
        h.remove("proxy-connection");
        h.remove("transfer-encoding");
        h.remove("upgrade");
    }

    /** Removes {@code connection} and every field it names. */
    private static void stripListed(HeaderMap h) {
        String c = h.get("connection");
        if (c == null) {
            return;
        }
        for (String v : h.getAll("connection")) {
            for (String token : v.split(",")) {
                String t = token.trim().toLowerCase(java.util.Locale.ROOT);
                if (!t.isEmpty() && !t.equals("close") && !t.equals("keep-alive")
                        && !t.equals("content-length") && !t.equals("host")) {
                    h.remove(t);
                }
            }
        }
        h.remove("connection");
    }
}
