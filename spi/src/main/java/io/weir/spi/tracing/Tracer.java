package io.weir.spi.tracing;

/**
 * Starts the SERVER span of each traced request. One instance per process, made by a {@link
 * TracerProvider}.
 *
 * <p>Threading: {@link #startServerSpan} is called on worker threads, concurrently, and must not
 * block or do I/O (export happens on the tracer's own threads). {@link #close} is called once, when
 * Weir stops, on a thread that may block.
 */
public interface Tracer extends AutoCloseable {
    /**
     * Starts the SERVER span of a request, continuing the trace its headers carry (in the formats
     * the tracer was configured for) or starting a new one. Always returns a span: an unsampled one
     * still has ids and still propagates (with the sampled flag off) but is never exported.
     *
     * @param name the span name (the request method; {@link TraceSpan#updateName} may refine it)
     * @param headers the request headers, read during this call only
     */
    TraceSpan startServerSpan(String name, HeaderReader headers);

    /** Exports what is still queued (waiting a bounded time) and releases the exporter. */
    @Override
    void close();
}
