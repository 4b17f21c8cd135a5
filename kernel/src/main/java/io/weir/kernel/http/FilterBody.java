package io.weir.kernel.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.weir.spi.Body;
import java.nio.charset.Charset;

/**
 * The SPI's view of a body buffer during one callback. It borrows the buffer; {@link #replace}
 * makes a new one that the chain takes afterwards (and releases the old). Worker thread only.
 */
final class FilterBody implements Body {
    private ByteBuf buf;
    private boolean replaced;
    private boolean valid = true;

    FilterBody(ByteBuf buf) {
        this.buf = buf;
    }

    private ByteBuf buf() {
        if (!valid) {
            throw new IllegalStateException("a Body is valid only during its callback");
        }
        return buf;
    }

    @Override
    public int length() {
        return buf().readableBytes();
    }

    @Override
    public byte[] bytes() {
        return ByteBufUtil.getBytes(buf());
    }

    @Override
    public String toString(Charset charset) {
        return buf().toString(charset);
    }

    @Override
    public void replace(byte[] content) {
        ByteBuf old = buf();
        buf = Unpooled.wrappedBuffer(content.clone());
        replaced = true;
        old.release();
    }

    boolean replaced() {
        return replaced;
    }

    /** Ends the view and hands the (maybe new) buffer back to the chain. */
    ByteBuf take() {
        valid = false;
        return buf;
    }
}
