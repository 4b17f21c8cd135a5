package io.weir.kernel.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;

/**
 * Serialises HTTP/1.1 heads and chunk framing. Weir always writes what it parsed, never the peer's
 * raw bytes, so both sides see the same message boundaries. Returned buffers are new and owned by
 * the caller.
 */
public final class Http1Writer {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final ByteBuf LAST_CHUNK =
            Unpooled.unreleasableBuffer(
                    Unpooled.directBuffer(5)
                            .writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII))
                            .asReadOnly());
    private static final ByteBuf CRLF_BUF =
            Unpooled.unreleasableBuffer(Unpooled.directBuffer(2).writeBytes(CRLF).asReadOnly());

    private Http1Writer() {}

    /** A request head: {@code METHOD SP target SP HTTP/1.1}, then the fields, then CRLF. */
    public static ByteBuf requestHead(
            ByteBufAllocator alloc, String method, String target, HeaderMap headers) {
        int n = method.length() + 1 + target.length() + 11 + fieldsLength(headers) + 2;
        byte[] b = scratch(n);
        int p = put(b, 0, method);
        b[p++] = ' ';
        p = put(b, p, target);
        p = put(b, p, " HTTP/1.1\r\n");
        p = putFields(b, p, headers);
        b[p++] = '\r';
        b[p++] = '\n';
        return alloc.directBuffer(p).writeBytes(b, 0, p);
    }

    /** A response head, always as HTTP/1.1. */
    public static ByteBuf responseHead(
            ByteBufAllocator alloc, int status, String reason, HeaderMap headers) {
        int n = 13 + reason.length() + 2 + fieldsLength(headers) + 2;
        byte[] b = scratch(n);
        int p = put(b, 0, "HTTP/1.1 ");
        b[p++] = (byte) ('0' + status / 100);
        b[p++] = (byte) ('0' + status / 10 % 10);
        b[p++] = (byte) ('0' + status % 10);
        b[p++] = ' ';
        p = put(b, p, reason);
        b[p++] = '\r';
        b[p++] = '\n';
        p = putFields(b, p, headers);
        b[p++] = '\r';
        b[p++] = '\n';
        return alloc.directBuffer(p).writeBytes(b, 0, p);
    }

    /**
     * Heads are assembled in a per-thread heap array and copied into the direct buffer at once:
     * String to bytes is then an array copy per field instead of a checked buffer write per char.
     */
    private static final FastThreadLocal<byte[]> SCRATCH =
            new FastThreadLocal<>() {
                @Override
                protected byte[] initialValue() {
                    return new byte[4096];
                }
            };

    private static byte[] scratch(int n) {
        byte[] b = SCRATCH.get();
        if (b.length < n) {
            b = new byte[Math.max(n, b.length * 2)];
            SCRATCH.set(b);
        }
        return b;
    }

    /** Copies the low 8 bits of each char (ISO-8859-1; header text is Latin-1 here). */
    @SuppressWarnings("deprecation")
    private static int put(byte[] b, int p, String s) {
        int n = s.length();
        s.getBytes(0, n, b, p);
        return p + n;
    }

    private static int fieldsLength(HeaderMap h) {
        int n = 0;
        for (int i = 0; i < h.size(); i++) {
            n += h.name(i).length() + h.value(i).length() + 4;
        }
        return n;
    }

    private static int putFields(byte[] b, int p, HeaderMap h) {
        for (int i = 0; i < h.size(); i++) {
            p = put(b, p, h.name(i));
            b[p++] = ':';
            b[p++] = ' ';
            p = put(b, p, h.value(i));
            b[p++] = '\r';
            b[p++] = '\n';
        }
        return p;
    }

    /** {@code SIZE-IN-HEX CRLF}: the framing before a chunk of {@code size} bytes. */
    public static ByteBuf chunkHeader(ByteBufAllocator alloc, int size) {
        ByteBuf b = alloc.directBuffer(10);
        ByteBufUtil.writeAscii(b, Integer.toHexString(size));
        b.writeBytes(CRLF);
        return b;
    }

    /** The CRLF after a chunk's data (a shared, unreleasable buffer). */
    public static ByteBuf chunkTrailer() {
        return CRLF_BUF.duplicate();
    }

    /** The last chunk with trailers, or the constant {@code 0 CRLF CRLF} when there are none. */
    public static ByteBuf lastChunk(ByteBufAllocator alloc, HeaderMap trailers) {
        if (trailers == null || trailers.size() == 0) {
            return LAST_CHUNK.duplicate();
        }
        ByteBuf b = alloc.directBuffer(estimate(trailers) + 8);
        ByteBufUtil.writeAscii(b, "0\r\n");
        writeFields(b, trailers);
        b.writeBytes(CRLF);
        return b;
    }

    private static int estimate(HeaderMap h) {
        int n = 2;
        for (int i = 0; i < h.size(); i++) {
            n += h.name(i).length() + h.value(i).length() + 4;
        }
        return n;
    }

    private static void writeFields(ByteBuf b, HeaderMap h) {
        for (int i = 0; i < h.size(); i++) {
            ByteBufUtil.writeAscii(b, h.name(i));
            b.writeByte(':');
            b.writeByte(' ');
            b.writeCharSequence(h.value(i), StandardCharsets.ISO_8859_1);
            b.writeBytes(CRLF);
        }
    }
}
