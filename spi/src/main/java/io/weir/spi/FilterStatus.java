package io.weir.spi;

/** What a filter callback tells the chain. An enum: thread-safe. */
public enum FilterStatus {
    /** Pass the headers, body or trailers on to the next filter. */
    CONTINUE,
    /**
     * Pause this direction of the stream at this filter. After a header or trailer callback, or a
     * body callback with {@code endOfStream}, the stream waits until the filter calls {@link
     * StreamContext#continueRequest()} / {@link StreamContext#continueResponse()} or sends a local
     * reply; what arrives meanwhile is held by the kernel. After a body callback without {@code
     * endOfStream}, the chunk is held and the filter is called again with everything held so far
     * when more arrives (proxy-wasm's buffering pause).
     */
    STOP
}
