package io.weir.spi;

import java.nio.charset.Charset;

/**
 * A request or response body chunk (or the whole body when buffered), handed to a body callback.
 *
 * <p>Threading: the stream's worker. Ownership: a view of the kernel's buffer, valid only during
 * the callback; {@link #bytes()} copies. {@link #replace} swaps the content that is forwarded.
 */
public interface Body {
    /** The length in bytes. */
    int length();

    /** A copy of the bytes. */
    byte[] bytes();

    /** The bytes decoded with {@code charset}. */
    String toString(Charset charset);

    /**
     * Forwards {@code content} instead (copied). When the chain is still holding the headers (the
     * filter buffers the body or paused the headers), Weir fixes {@code content-length}; otherwise
     * the new content must have the same length when the message has a {@code content-length}, or
     * the stream fails with a 500.
     */
    void replace(byte[] content);
}
