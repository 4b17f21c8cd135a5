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

    /**
     * {@link #startServerSpan(String, HeaderReader)} for a request that started at {@code
     * startNanoTime}, a {@link System#nanoTime()} reading: the span starts then, and {@link
     * TraceSpan#epochNanos} converts the kernel's later readings on the same clock. The kernel
     * calls this one. The default ignores the time and starts the span now.
     */
    default TraceSpan startServerSpan(String name, HeaderReader headers, long startNanoTime) {
        return startServerSpan(name, headers);
    }

    /**
     * This tracer with {@code sampling} (0..1) as the ratio of new traces sampled, for a listener
     * that sets its own ({@code http.tracing.sampling}); a caller's sampled flag and the force
     * header decide as before. Called when a listener starts, not per request. The result shares
     * this tracer's exporter: Weir closes only this one.
     *
     * @throws UnsupportedOperationException when the tracer cannot sample per listener (the
     *     default); Weir then refuses such a config with an error naming the listener
     */
    default Tracer withSampling(double sampling) {
        throw new UnsupportedOperationException(
                getClass().getName() + " cannot sample per listener");
    }

    /** Exports what is still queued (waiting a bounded time) and releases the exporter. */
    @Override
    void close();
}
