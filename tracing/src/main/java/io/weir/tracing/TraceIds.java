package io.weir.tracing;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Trace and span ids as longs, their lower-case hex forms, and the W3C {@code traceparent} header
 * (https://www.w3.org/TR/trace-context/#traceparent-header) read and written without the
 * OpenTelemetry API's context objects. Stateless; thread-safe.
 */
final class TraceIds {
    private TraceIds() {}

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    /** A context read from a request: the caller's trace, its span and its sampled flag. */
    record Parent(long traceHi, long traceLo, long spanId, boolean sampled, String traceState) {}

    /** A random non-zero span id (ids are random 64 bits, as OpenTelemetry's generator makes). */
    static long newSpanId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long id;
        do {
            id = r.nextLong();
        } while (id == 0);
        return id;
    }

    // the digits are written as Latin-1 bytes: the String takes a copy as they are, where a char[]
    // would be compressed into one

    /** 16 lower-case hex digits. */
    static String hex(long v) {
        byte[] c = new byte[16];
        put(c, 0, v);
        return new String(c, StandardCharsets.ISO_8859_1);
    }

    /** 32 lower-case hex digits. */
    static String hex(long hi, long lo) {
        byte[] c = new byte[32];
        put(c, 0, hi);
        put(c, 16, lo);
        return new String(c, StandardCharsets.ISO_8859_1);
    }

    private static void put(byte[] c, int at, long v) {
        for (int i = 15; i >= 0; i--) {
            c[at + i] = HEX[(int) (v & 0xf)];
            v >>>= 4;
        }
    }

    /** {@code 00-<trace id>-<span id>-<01|00>}. */
    static String traceparent(long traceHi, long traceLo, long spanId, boolean sampled) {
        byte[] c = new byte[55];
        c[0] = '0';
        c[1] = '0';
        c[2] = '-';
        put(c, 3, traceHi);
        put(c, 19, traceLo);
        c[35] = '-';
        put(c, 36, spanId);
        c[52] = '-';
        c[53] = '0';
        c[54] = sampled ? (byte) '1' : (byte) '0';
        return new String(c, StandardCharsets.ISO_8859_1);
    }

    /**
     * A {@code traceparent} value as the W3C rules read it, or null when it is absent or invalid
     * (then the request starts a new trace): version {@code ff} is invalid, version 00 is exactly
     * 55 characters, a later version may carry more after a {@code -}; ids are lower-case hex and
     * not all zeros.
     */
    static Parent parseTraceparent(String v, String traceState) {
        if (v == null || v.length() < 55) {
            return null;
        }
        int version = hex2(v, 0);
        if (version < 0 || version == 0xff || (version == 0 && v.length() != 55)) {
            return null;
        }
        if (v.length() > 55 && v.charAt(55) != '-') {
            return null;
        }
        if (v.charAt(2) != '-' || v.charAt(35) != '-' || v.charAt(52) != '-') {
            return null;
        }
        int flags = hex2(v, 53);
        if (flags < 0 || !isHex(v, 3, 32) || !isHex(v, 36, 16)) {
            return null;
        }
        long hi = parseHex(v, 3);
        long lo = parseHex(v, 19);
        long span = parseHex(v, 36);
        if ((hi == 0 && lo == 0) || span == 0) {
            return null;
        }
        return new Parent(
                hi,
                lo,
                span,
                (flags & 1) != 0,
                traceState == null || traceState.isEmpty() ? null : traceState);
    }

    /** Whether {@code n} characters from {@code at} are lower-case hex digits. */
    static boolean isHex(String s, int at, int n) {
        if (s.length() < at + n) {
            return false;
        }
        for (int i = at; i < at + n; i++) {
            if (digit(s.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    /** 16 hex digits from {@code at} (already checked) as a long. */
    static long parseHex(String s, int at) {
        long v = 0;
        for (int i = at; i < at + 16; i++) {
            v = (v << 4) | digit(s.charAt(i));
        }
        return v;
    }

    private static int hex2(String s, int at) {
        int a = digit(s.charAt(at));
        int b = digit(s.charAt(at + 1));
        return a < 0 || b < 0 ? -1 : (a << 4) | b;
    }

    private static int digit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }
}
