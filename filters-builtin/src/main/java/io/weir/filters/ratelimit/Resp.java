package io.weir.filters.ratelimit;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * RESP2, the Redis protocol: {@link #command} encodes a command as an array of bulk strings; a
 * {@link Decoder} turns the bytes of a connection into {@link Reply}s, however they were split into
 * reads.
 */
final class Resp {
    /** Longest bulk string accepted: far above any reply this client expects. */
    static final int MAX_BULK = 16 << 20;

    /** Most elements of one array, and deepest nesting, accepted. */
    static final int MAX_ARRAY = 1 << 20;

    static final int MAX_DEPTH = 32;

    /** Longest line (type byte to CRLF) accepted. */
    static final int MAX_LINE = 64 << 10;

    private Resp() {}

    /** {@code *N\r\n$len\r\narg\r\n...} with each argument as UTF-8. */
    static byte[] command(String... args) {
        byte[][] b = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            b[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return command(b);
    }

    /** {@code *N\r\n$len\r\narg\r\n...}. */
    static byte[] command(byte[]... args) {
        int size = 16;
        for (byte[] a : args) {
            size += a.length + 16;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(size);
        header(out, '*', args.length);
        for (byte[] a : args) {
            header(out, '$', a.length);
            out.writeBytes(a);
            out.write('\r');
            out.write('\n');
        }
        return out.toByteArray();
    }

    private static void header(ByteArrayOutputStream out, char type, int n) {
        out.write(type);
        out.writeBytes(Integer.toString(n).getBytes(StandardCharsets.US_ASCII));
        out.write('\r');
        out.write('\n');
    }

    /** The bytes were not RESP2: the connection cannot be trusted any more. */
    static final class ProtocolException extends Exception {
        private static final long serialVersionUID = 1L;

        ProtocolException(String message) {
            super(message);
        }
    }

    /**
     * Decodes replies from a byte stream. {@link #feed} appends what was read; {@link #next}
     * returns the next complete reply, or null until more bytes arrive (a partial reply is parsed
     * again from its start then: replies here are small). Not thread-safe: one connection's thread.
     */
    static final class Decoder {
        private static final Object MORE = new Object();
        private byte[] buf = new byte[4096];
        private int start;
        private int end;
        private int p;

        /** Appends the remaining bytes of {@code src} (consumed). */
        void feed(ByteBuffer src) {
            int n = src.remaining();
            if (end + n > buf.length) {
                int live = end - start;
                if (live + n <= buf.length / 2) {
                    System.arraycopy(buf, start, buf, 0, live);
                } else {
                    byte[] bigger = new byte[Math.max(buf.length * 2, live + n)];
                    System.arraycopy(buf, start, bigger, 0, live);
                    buf = bigger;
                }
                start = 0;
                end = live;
            }
            src.get(buf, end, n);
            end += n;
        }

        /** Appends {@code bytes}. */
        void feed(byte[] bytes) {
            feed(ByteBuffer.wrap(bytes));
        }

        /** Bytes received but not yet part of a returned reply. */
        int buffered() {
            return end - start;
        }

        /** The next complete reply, or null when more bytes are needed. */
        Reply next() throws ProtocolException {
            if (start == end) {
                return null;
            }
            p = start;
            Object r = parse(0);
            if (r == MORE) {
                return null;
            }
            start = p;
            if (start == end) {
                start = 0;
                end = 0;
            }
            return (Reply) r;
        }

        /** Every complete reply available now, in order. */
        List<Reply> drain() throws ProtocolException {
            List<Reply> out = new ArrayList<>();
            Reply r;
            while ((r = next()) != null) {
                out.add(r);
            }
            return out;
        }

        private Object parse(int depth) throws ProtocolException {
            if (depth > MAX_DEPTH) {
                throw new ProtocolException("arrays nested deeper than " + MAX_DEPTH);
            }
            int type = p < end ? buf[p] : -1;
            int eol = lineEnd();
            if (eol < 0) {
                return MORE;
            }
            int lineStart = p + 1;
            p = eol + 2;
            switch (type) {
                case '+':
                    return new Reply.Simple(text(lineStart, eol));
                case '-':
                    return new Reply.Error(text(lineStart, eol));
                case ':':
                    return new Reply.Int(number(lineStart, eol));
                case '$':
                    return bulk(number(lineStart, eol));
                case '*':
                    return array(number(lineStart, eol), depth);
                default:
                    throw new ProtocolException("unknown reply type byte " + (type & 0xff));
            }
        }

        private Object bulk(long len) throws ProtocolException {
            if (len == -1) {
                return new Reply.Bulk(null);
            }
            if (len < 0 || len > MAX_BULK) {
                throw new ProtocolException("bad bulk string length " + len);
            }
            int n = (int) len;
            if (end - p < n + 2) {
                return MORE;
            }
            if (buf[p + n] != '\r' || buf[p + n + 1] != '\n') {
                throw new ProtocolException("bulk string not followed by CRLF");
            }
            byte[] v = Arrays.copyOfRange(buf, p, p + n);
            p += n + 2;
            return new Reply.Bulk(v);
        }

        private Object array(long n, int depth) throws ProtocolException {
            if (n == -1) {
                return new Reply.Multi(null);
            }
            if (n < 0 || n > MAX_ARRAY) {
                throw new ProtocolException("bad array length " + n);
            }
            List<Reply> elements = new ArrayList<>((int) Math.min(n, 16));
            for (long i = 0; i < n; i++) {
                Object e = parse(depth + 1);
                if (e == MORE) {
                    return MORE;
                }
                elements.add((Reply) e);
            }
            return new Reply.Multi(elements);
        }

        /** The index of the CR of the line at {@code p}, or -1 when it is not complete. */
        private int lineEnd() throws ProtocolException {
            int limit = Math.min(end, p + MAX_LINE);
            for (int i = p; i + 1 < limit; i++) {
                if (buf[i] == '\r') {
                    if (buf[i + 1] != '\n') {
                        throw new ProtocolException("CR not followed by LF");
                    }
                    return i;
                }
            }
            if (end - p >= MAX_LINE) {
                throw new ProtocolException("line longer than " + MAX_LINE + " bytes");
            }
            return -1;
        }

        private String text(int from, int to) {
            return new String(buf, from, to - from, StandardCharsets.UTF_8);
        }

        private long number(int from, int to) throws ProtocolException {
            boolean neg = from < to && buf[from] == '-';
            int i = neg ? from + 1 : from;
            if (i == to || to - i > 18) {
                throw new ProtocolException("bad number \"" + text(from, to) + "\"");
            }
            long v = 0;
            for (; i < to; i++) {
                int d = buf[i] - '0';
                if (d < 0 || d > 9) {
                    throw new ProtocolException("bad number \"" + text(from, to) + "\"");
                }
                v = v * 10 + d;
            }
            return neg ? -v : v;
        }
    }
}
