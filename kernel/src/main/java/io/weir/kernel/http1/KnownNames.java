package io.weir.kernel.http1;

/** Interns the common lower-case header names so parsing them allocates no new String. */
final class KnownNames {
    private static final String[] NAMES = {
        "host", "user-agent", "accept", "accept-encoding", "accept-language", "content-length",
        "content-type", "transfer-encoding", "connection", "keep-alive", "cookie", "set-cookie",
        "authorization", "cache-control", "date", "server", "expect", "te", "trailer", "upgrade",
        "proxy-connection", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
        "x-request-id", "x-real-ip", "traceparent", "tracestate", "referer", "origin", "pragma",
        "etag", "last-modified", "location", "vary", "content-encoding", "if-none-match",
        "if-modified-since", "range", "accept-ranges", "age", "expires", "via"
    };
    private static final int SLOTS = 256;
    private static final String[][] TABLE = new String[SLOTS][];

    static {
        for (String n : NAMES) {
            int h = hash(n.toCharArray(), n.length());
            String[] b = TABLE[h];
            String[] nb = b == null ? new String[1] : java.util.Arrays.copyOf(b, b.length + 1);
            nb[nb.length - 1] = n;
            TABLE[h] = nb;
        }
    }

    private KnownNames() {}

    private static int hash(char[] c, int len) {
        int h = len * 31;
        if (len > 0) {
            h = h * 31 + c[0];
            h = h * 31 + c[len - 1];
            h = h * 31 + c[len / 2];
        }
        return (h ^ (h >>> 8)) & (SLOTS - 1);
    }

    static String intern(char[] c) {
        String[] bucket = TABLE[hash(c, c.length)];
        if (bucket != null) {
            outer:
            for (String n : bucket) {
                if (n.length() != c.length) {
                    continue;
                }
                for (int i = 0; i < c.length; i++) {
                    if (n.charAt(i) != c[i]) {
                        continue outer;
                    }
                }
                return n;
            }
        }
        return new String(c);
    }
}
