package io.weir.kernel.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.ByteToMessageDecoder;

/** Appends newly read bytes to a connection's unparsed bytes without copying when it can. */
public final class Cumulation {
    private Cumulation() {}

    /**
     * Returns the buffer to parse next: {@code in} itself when nothing was pending, else the
     * pending bytes with {@code in} appended. Takes ownership of {@code in} and {@code pending}.
     */
    public static ByteBuf append(ByteBufAllocator alloc, ByteBuf pending, ByteBuf in) {
        if (pending == null) {
            return in;
        }
        return ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(alloc, pending, in);
    }
}
