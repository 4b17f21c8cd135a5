package io.weir.kernel.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
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
        ByteBuf b = alloc.directBuffer(estimate(headers) + method.length() + target.length() + 16);
        ByteBufUtil.writeAscii(b, method);
        b.writeByte(' ');
        b.writeCharSequence(target, StandardCharsets.ISO_8859_1);
        ByteBufUtil.writeAscii(b, " HTTP/1.1\r\n");
        writeFields(b, headers);
        b.writeBytes(CRLF);
        return b;
    }

    /** A response head, always as HTTP/1.1. */
    public static ByteBuf responseHead(
            ByteBufAllocator alloc, int status, String reason, HeaderMap headers) {
        ByteBuf b = alloc.directBuffer(estimate(headers) + reason.length() + 16);
        ByteBufUtil.writeAscii(b, "HTTP/1.1 ");
        b.writeByte('0' + status / 100);
        b.writeByte('0' + status / 10 % 10);
        b.writeByte('0' + status % 10);
        b.writeByte(' ');
        b.writeCharSequence(reason, StandardCharsets.ISO_8859_1);
        b.writeBytes(CRLF);
        writeFields(b, headers);
        b.writeBytes(CRLF);
        return b;
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
