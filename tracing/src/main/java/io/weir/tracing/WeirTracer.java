package io.weir.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import io.opentelemetry.extension.trace.propagation.JaegerPropagator;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.weir.spi.tracing.HeaderReader;
import io.weir.spi.tracing.HeaderWriter;
import io.weir.spi.tracing.SpanKind;
import io.weir.spi.tracing.TraceSpan;
import io.weir.spi.tracing.Tracer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The process's tracer: starts {@link RecordedSpan}s, decides sampling, reads and writes trace
 * context headers, and owns the {@link SpanPipeline} to the exporter.
 *
 * <p>Sampling is OpenTelemetry's parent-based trace-id ratio, computed the same way: a request that
 * carries a context follows its sampled flag; a new trace is sampled when the absolute value of the
 * trace id's lower 64 bits is below {@code sampling x Long.MAX_VALUE}. The force header samples
 * whatever the parent says (the span gets {@code weir.force_sampled=true}).
 *
 * <p>Propagation: W3C trace context is read and written here directly (the common case, on every
 * request); B3 and Jaeger go through OpenTelemetry's propagators. Where several configured formats
 * are present on a request, the first listed wins.
 *
 * <p>Threading: thread-safe and stateless per request; spans start on any worker.
 */
final class WeirTracer implements Tracer {
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
                return name.toLowerCase(Locale.ROOT);
            }
        }
        return name;
    }

    final SpanPipeline pipeline;
    final Resource resource;
    static final InstrumentationScopeInfo SCOPE = InstrumentationScopeInfo.create("io.weir");
    private final String forceHeader;
    private final long ratioBound;

    /** The formats to read, in configured order: null stands for W3C (read here). */
    private final TextMapPropagator[] readers;

    private final boolean writeW3c;

    /** Other formats to write (B3 single and multi, Jaeger). */
    private final TextMapPropagator writers;

    /**
     * The headers of the configured B3 and Jaeger formats, removed from a request before injecting
     * (W3C's two are replaced or removed by {@link #inject} directly).
     */
    private final String[] fields;

    /** A listener's copy ({@link #withSampling}): closing it leaves the shared pipeline alone. */
    private final boolean view;

    WeirTracer(TracingSettings settings, SpanPipeline pipeline, Resource resource) {
        this.pipeline = pipeline;
        this.resource = resource;
        this.forceHeader = settings.forceSampleHeader();
        this.ratioBound = ratioBound(settings.sampling());
        List<TextMapPropagator> read = new ArrayList<>();
        List<TextMapPropagator> write = new ArrayList<>();
        Set<String> f = new LinkedHashSet<>();
        boolean w3c = false;
        for (String p : settings.propagation()) {
            switch (p) {
                case "w3c" -> {
                    read.add(null);
                    w3c = true; // traceparent and tracestate: set or removed by inject itself
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
        this.readers = read.toArray(new TextMapPropagator[0]);
        this.writeW3c = w3c;
        this.writers = write.isEmpty() ? null : TextMapPropagator.composite(write);
        if (writers != null) {
            for (String field : writers.fields()) {
                f.add(lower(field));
            }
        }
        this.fields = f.toArray(new String[0]);
        this.view = false;
    }

    private WeirTracer(WeirTracer of, double sampling) {
        this.pipeline = of.pipeline;
        this.resource = of.resource;
        this.forceHeader = of.forceHeader;
        this.ratioBound = ratioBound(sampling);
        this.readers = of.readers;
        this.writeW3c = of.writeW3c;
        this.writers = of.writers;
        this.fields = of.fields;
        this.view = true;
    }

    @Override
    public Tracer withSampling(double sampling) {
        if (!(sampling >= 0 && sampling <= 1)) {
            throw new IllegalArgumentException(
                    "sampling must be within 0..1 (was " + sampling + ")");
        }
        return new WeirTracer(this, sampling);
    }

    /**
     * Wall-clock time with {@link System#nanoTime} taken at once: a span's times are the anchor's
     * epoch plus elapsed monotonic time (as OpenTelemetry's anchored clock does), without reading
     * the wall clock per request. Re-taken every second, so the wall clock's corrections reach new
     * traces within a second.
     */
    private record Anchor(long epochNanos, long nanoTime) {
        static Anchor now() {
            long nano = System.nanoTime();
            Instant i = Instant.now();
            return new Anchor(i.getEpochSecond() * 1_000_000_000L + i.getNano(), nano);
        }
    }

    private static final long REANCHOR_NANOS = 1_000_000_000L;

    private volatile Anchor anchor = Anchor.now();

    /** OpenTelemetry's TraceIdRatioBased bound: 0 never samples, 1 always. */
    static long ratioBound(double ratio) {
        if (ratio <= 0) {
            return Long.MIN_VALUE;
        }
        if (ratio >= 1) {
            return Long.MAX_VALUE;
        }
        return (long) (ratio * Long.MAX_VALUE);
    }

    /**
     * Whether a new trace with these lower 64 bits is sampled: OpenTelemetry's test, except that a
     * ratio of 1 samples even the one id it would miss.
     */
    static boolean ratioSamples(long bound, long traceLo) {
        return bound == Long.MAX_VALUE || Math.abs(traceLo) < bound; // 1.0 samples every id
    }

    @Override
    public TraceSpan startServerSpan(String name, HeaderReader headers) {
        return startServerSpan(name, headers, 0, false);
    }

    @Override
    public TraceSpan startServerSpan(String name, HeaderReader headers, long startNanoTime) {
        return startServerSpan(name, headers, startNanoTime, true);
    }

    /** A SERVER span starting at {@code startNanoTime} when {@code timed}, else now. */
    private TraceSpan startServerSpan(
            String name, HeaderReader headers, long startNanoTime, boolean timed) {
        TraceIds.Parent parent = extract(headers);
        boolean forced = forceHeader != null && headers.get(forceHeader) != null;
        long hi;
        long lo;
        boolean sampled;
        if (parent != null) {
            hi = parent.traceHi();
            lo = parent.traceLo();
            sampled = forced || parent.sampled();
        } else {
            ThreadLocalRandom r = ThreadLocalRandom.current();
            hi = r.nextLong();
            do {
                lo = r.nextLong();
            } while (lo == 0);
            sampled = forced || ratioSamples(ratioBound, lo);
        }
        Anchor a = anchor;
        long epoch = 0; // an unsampled span's times are never read: no clock for them
        if (sampled) {
            long nano = timed ? startNanoTime : System.nanoTime();
            if (nano - a.nanoTime() > REANCHOR_NANOS) {
                a = Anchor.now();
                anchor = a;
            }
            epoch = a.epochNanos() + (nano - a.nanoTime());
        }
        return new RecordedSpan(
                this,
                hi,
                lo,
                parent == null ? 0 : parent.spanId(),
                parent != null,
                sampled,
                forced && sampled,
                parent == null ? null : parent.traceState(),
                name,
                SpanKind.SERVER,
                a.epochNanos(),
                a.nanoTime(),
                epoch);
    }

    /** The caller's context in the first configured format that holds a valid one, or null. */
    TraceIds.Parent extract(HeaderReader headers) {
        for (TextMapPropagator p : readers) {
            TraceIds.Parent parent;
            if (p == null) {
                String tp = headers.get("traceparent");
                // tracestate only matters with a traceparent: no second lookup when there is none
                parent =
                        tp == null
                                ? null
                                : TraceIds.parseTraceparent(tp, headers.get("tracestate"));
            } else {
                SpanContext c =
                        Span.fromContext(p.extract(Context.root(), headers, GETTER))
                                .getSpanContext();
                parent =
                        c.isValid()
                                ? new TraceIds.Parent(
                                        TraceIds.parseHex(c.getTraceId(), 0),
                                        TraceIds.parseHex(c.getTraceId(), 16),
                                        TraceIds.parseHex(c.getSpanId(), 0),
                                        c.isSampled(),
                                        null)
                                : null;
            }
            if (parent != null) {
                return parent;
            }
        }
        return null;
    }

    /** Writes {@code span}'s context in every configured format, replacing what was there. */
    void inject(RecordedSpan span, HeaderWriter headers) {
        for (String f : fields) {
            headers.remove(f);
        }
        if (writeW3c) {
            headers.set( // replaces the caller's
                    "traceparent",
                    TraceIds.traceparent(span.traceHi, span.traceLo, span.spanId, span.sampled));
            if (span.traceState != null) {
                headers.set("tracestate", span.traceState);
            } else {
                headers.remove("tracestate");
            }
        }
        if (writers != null) {
            SpanContext c =
                    SpanContext.create(
                            span.traceId(),
                            span.spanId(),
                            span.sampled ? TraceFlags.getSampled() : TraceFlags.getDefault(),
                            TraceState.getDefault());
            writers.inject(Context.root().with(Span.wrap(c)), headers, SETTER);
        }
    }

    @Override
    public void close() {
        if (view) {
            return; // the process's tracer owns the pipeline
        }
        pipeline.close();
    }
}
