package io.weir.kernel.http1;

import java.nio.charset.StandardCharsets;

/**
 * Turns a header name on the wire into its lower-case String, returning a shared instance for the
 * common names so that parsing them allocates nothing.
 */
final class KnownNames {
    private static final String[] NAMES = {
        "host",
        "user-agent",
        "accept",
        "accept-encoding",
        "accept-language",
        "content-length",
        "content-type",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "cookie",
        "set-cookie",
        "authorization",
        "cache-control",
        "date",
        "server",
        "expect",
        "te",
        "trailer",
        "upgrade",
        "proxy-connection",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-forwarded-host",
        "x-request-id",
        "x-real-ip",
        "traceparent",
        "tracestate",
        "referer",
        "origin",
        "pragma",
        "etag",
        "last-modified",
        "location",
        "vary",
        "content-encoding",
        "if-none-match",
        "if-modified-since",
        "range",
        "accept-ranges",
        "age",
        "expires",
        "via"
    };
    private static final int SLOTS = 512;
    private static final String[] TABLE = new String[SLOTS];
    private static final byte[][] BYTES = new byte[SLOTS][];

    static {
        for (String n : NAMES) {
            byte[] b = n.getBytes(StandardCharsets.US_ASCII);
            int h = hash(b, 0, b.length);
            while (TABLE[h] != null) {
                h = (h + 1) & (SLOTS - 1);
            }
            TABLE[h] = n;
            BYTES[h] = b;
        }
    }

    private KnownNames() {}

    private static int hash(byte[] b, int start, int len) {
        int h = len;
        for (int i = 0; i < len; i++) {
            h = h * 31 + (b[start + i] | 0x20);
        }
        return (h ^ (h >>> 9)) & (SLOTS - 1);
    }

    /** The lower-case String of {@code len} token bytes at {@code start} of {@code in}. */
    static String lowerName(byte[] in, int start, int len) {
        int h = len;
        for (int i = 0; i < len; i++) {
            h = h * 31 + (in[start + i] | 0x20);
        }
        h = (h ^ (h >>> 9)) & (SLOTS - 1);
        String known;
        outer:
        while ((known = TABLE[h]) != null) {
            byte[] b = BYTES[h];
            h = (h + 1) & (SLOTS - 1);
            if (b.length != len) {
                continue;
            }
            for (int i = 0; i < len; i++) {
                byte c = in[start + i];
                if (c >= 'A' && c <= 'Z') {
                    c += 32;
                }
                if (c != b[i]) {
                    continue outer;
                }
            }
            return known;
        }
        byte[] out = new byte[len];
        for (int i = 0; i < len; i++) {
            byte c = in[start + i];
            out[i] = c >= 'A' && c <= 'Z' ? (byte) (c + 32) : c;
        }
        return new String(out, StandardCharsets.ISO_8859_1);
    }
}
