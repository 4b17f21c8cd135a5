package io.weir.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import io.opentelemetry.extension.trace.propagation.JaegerPropagator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.weir.spi.tracing.HeaderReader;
import io.weir.spi.tracing.HeaderWriter;
import io.weir.spi.tracing.TraceSpan;
import io.weir.spi.tracing.Tracer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The process's tracer over an OpenTelemetry {@link SdkTracerProvider}. Thread-safe: spans start on
 * any worker; the SDK's batch processor exports on its own thread.
 */
final class OtelTracer implements Tracer {
    static final TextMapGetter<HeaderReader> GETTER =
            new TextMapGetter<>() {
                @Override
                public Iterable<String> keys(HeaderReader carrier) {
                    return List.of();
                }

                @Override
                public String get(HeaderReader carrier, String key) {
                    return carrier == null ? null : carrier.get(lower(key));
                }
            };

    static final TextMapSetter<HeaderWriter> SETTER =
            (carrier, key, value) -> {
                if (carrier != null) {
                    carrier.set(lower(key), value);
                }
            };

    /**
     * Header names in Weir are lower case; OpenTelemetry's B3 names are not ({@code X-B3-TraceId}).
     */
    static String lower(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return name.toLowerCase(java.util.Locale.ROOT);
            }
        }
        return name;
    }

    private final SdkTracerProvider sdk;
    private final TracingSettings settings;
    final io.opentelemetry.api.trace.Tracer tracer;

    /** Reads every configured format; where several are present, the first listed wins. */
    final TextMapPropagator extractor;

    /** Writes every configured format. */
    final TextMapPropagator injector;

    /** The headers of every configured format, removed from a request before injecting. */
    final String[] fields;

    OtelTracer(SdkTracerProvider sdk, TracingSettings settings) {
        this.sdk = sdk;
        this.settings = settings;
        this.tracer = sdk.get("io.weir");
        List<TextMapPropagator> read = new ArrayList<>();
        List<TextMapPropagator> write = new ArrayList<>();
        Set<String> f = new LinkedHashSet<>();
        for (String p : settings.propagation()) {
            switch (p) {
                case "w3c" -> {
                    read.add(W3CTraceContextPropagator.getInstance());
                    write.add(W3CTraceContextPropagator.getInstance());
                }
                case "b3" -> {
                    read.add(B3Propagator.injectingMultiHeaders()); // reads single and multi
                    write.add(B3Propagator.injectingSingleHeader());
                    write.add(B3Propagator.injectingMultiHeaders());
                    f.add("x-b3-parentspanid");
                    f.add("x-b3-flags");
                }
                case "jaeger" -> {
                    read.add(JaegerPropagator.getInstance());
                    write.add(JaegerPropagator.getInstance());
                }
                default -> throw new IllegalArgumentException("unknown propagation " + p);
            }
        }
        // a composite extracts in order and each later find replaces the earlier: reverse it
        List<TextMapPropagator> reversed = new ArrayList<>(read);
        java.util.Collections.reverse(reversed);
        this.extractor = TextMapPropagator.composite(reversed);
        this.injector = TextMapPropagator.composite(write);
        for (String field : injector.fields()) {
            f.add(lower(field));
        }
        this.fields = f.toArray(new String[0]);
    }

    @Override
    public TraceSpan startServerSpan(String name, HeaderReader headers) {
        Context parent = extractor.extract(Context.root(), headers, GETTER);
        var b = tracer.spanBuilder(name).setParent(parent).setSpanKind(SpanKind.SERVER);
        String force = settings.forceSampleHeader();
        if (force != null && headers.get(force) != null) {
            b.setAttribute(ForceSampler.FORCED, true);
        }
        Span span = b.startSpan();
        return new OtelSpan(this, span, parent.with(span));
    }

    @Override
    public void close() {
        long waitMs = settings.exportTimeout().toMillis() + 2000;
        sdk.shutdown().join(waitMs, TimeUnit.MILLISECONDS);
    }
}
