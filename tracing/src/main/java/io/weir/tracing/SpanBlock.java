package io.weir.tracing;

/**
 * Spans one worker thread encoded back to back, each a {@code ScopeSpans.spans} field (tag, length,
 * OTLP {@code Span}): {@code bytes[0, length)} holds {@code spans} of them. Made by the worker's
 * {@link OtlpEncoder#appendSpan}; after the {@link SpanPipeline} publishes it, only the export
 * thread reads it.
 */
record SpanBlock(byte[] bytes, int length, int spans) {}
