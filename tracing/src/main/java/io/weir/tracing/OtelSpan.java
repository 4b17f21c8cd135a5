package io.weir.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.weir.spi.tracing.HeaderWriter;
import io.weir.spi.tracing.SpanKind;
import io.weir.spi.tracing.TraceSpan;
import java.util.concurrent.TimeUnit;

/** A {@link TraceSpan} over an OpenTelemetry span and the context it is current in. */
final class OtelSpan implements TraceSpan {
    // the kernel sets a fixed set of attribute names: their keys are made once, not per span
    private static final java.util.concurrent.ConcurrentHashMap<String, AttributeKey<String>>
            STRING_KEYS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.concurrent.ConcurrentHashMap<String, AttributeKey<Long>>
            LONG_KEYS = new java.util.concurrent.ConcurrentHashMap<>();

    private static <T> AttributeKey<T> key(
            java.util.concurrent.ConcurrentHashMap<String, AttributeKey<T>> cache,
            String name,
            java.util.function.Function<String, AttributeKey<T>> make) {
        AttributeKey<T> k = cache.get(name);
        if (k == null) {
            k = make.apply(name);
            if (cache.size() < 256) { // bounded: names are the kernel's, but be safe
                cache.putIfAbsent(name, k);
            }
        }
        return k;
    }

    private final OtelTracer tracer;
    private final Span span;
    private final Context context;

    OtelSpan(OtelTracer tracer, Span span, Context context) {
        this.tracer = tracer;
        this.span = span;
        this.context = context;
    }

    @Override
    public String traceId() {
        return span.getSpanContext().getTraceId();
    }

    @Override
    public String spanId() {
        return span.getSpanContext().getSpanId();
    }

    @Override
    public boolean isSampled() {
        return span.getSpanContext().isSampled();
    }

    @Override
    public TraceSpan startChild(String name, SpanKind kind, long startEpochNanos) {
        SpanBuilder b = tracer.tracer.spanBuilder(name).setParent(context).setSpanKind(otel(kind));
        if (startEpochNanos > 0) {
            b.setStartTimestamp(startEpochNanos, TimeUnit.NANOSECONDS);
        }
        Span child = b.startSpan();
        return new OtelSpan(tracer, child, context.with(child));
    }

    private static io.opentelemetry.api.trace.SpanKind otel(SpanKind k) {
        return switch (k) {
            case SERVER -> io.opentelemetry.api.trace.SpanKind.SERVER;
            case CLIENT -> io.opentelemetry.api.trace.SpanKind.CLIENT;
            case INTERNAL -> io.opentelemetry.api.trace.SpanKind.INTERNAL;
        };
    }

    @Override
    public void inject(HeaderWriter headers) {
        for (String f : tracer.fields) {
            headers.remove(f);
        }
        tracer.injector.inject(context, headers, OtelTracer.SETTER);
    }

    @Override
    public void setAttribute(String key, String value) {
        if (value != null) {
            span.setAttribute(key(STRING_KEYS, key, AttributeKey::stringKey), value);
        }
    }

    @Override
    public void setAttribute(String key, long value) {
        span.setAttribute(key(LONG_KEYS, key, AttributeKey::longKey), value);
    }

    @Override
    public void setError(String description) {
        span.setStatus(StatusCode.ERROR, description == null ? "" : description);
    }

    @Override
    public void end() {
        span.end();
    }

    @Override
    public void end(long endEpochNanos) {
        span.end(endEpochNanos, TimeUnit.NANOSECONDS);
    }
}
