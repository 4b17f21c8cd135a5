package io.weir.spi.tracing;

/**
 * One span of a request: the SERVER span of the request, a CLIENT span of an upstream attempt or
 * call-out, or an INTERNAL span of a filter. Ids are lower-case hex: a trace id has 32 digits, a
 * span id 16.
 *
 * <p>Threading and ownership: a span is confined to the worker thread of its request; the kernel
 * that started it ends it exactly once. Calls after {@link #end} are ignored. No method blocks.
 */
public interface TraceSpan {
    /** The trace id, 32 lower-case hex digits. */
    String traceId();

    /** This span's id, 16 lower-case hex digits. */
    String spanId();

    /** Whether the span is sampled (recorded and exported). */
    boolean isSampled();

    /** Starts a child span now. */
    default TraceSpan startChild(String name, SpanKind kind) {
        return startChild(name, kind, 0);
    }

    /**
     * Starts a child span.
     *
     * @param startEpochNanos its start time in nanoseconds since the epoch, or 0 for now
     */
    TraceSpan startChild(String name, SpanKind kind, long startEpochNanos);

    /**
     * Writes this span's context into outgoing request headers in every configured format, after
     * removing the headers of those formats that are already there.
     */
    void inject(HeaderWriter headers);

    /** Sets a string attribute; a null value is ignored. */
    void setAttribute(String key, String value);

    /** Sets a whole-number attribute. */
    void setAttribute(String key, long value);

    /** Marks the span as failed, with a short description (may be null). */
    void setError(String description);

    /** Ends the span now. */
    void end();

    /** Ends the span at {@code endEpochNanos} (nanoseconds since the epoch). */
    void end(long endEpochNanos);

    /**
     * The time since the epoch, on this span's clock, of a {@link System#nanoTime()} reading taken
     * during its request: what to pass to {@link #startChild(String, SpanKind, long)} and {@link
     * #end(long)} so that every span of a request, and the durations the kernel measures, share one
     * clock. A tracer keeps one clock per trace and converts without reading it; the default reads
     * the wall clock (millisecond precision).
     */
    default long epochNanos(long nanoTime) {
        return System.currentTimeMillis() * 1_000_000L - (System.nanoTime() - nanoTime);
    }
}
