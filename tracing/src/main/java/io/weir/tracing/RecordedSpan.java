package io.weir.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.common.InstrumentationLibraryInfo;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.weir.spi.tracing.HeaderWriter;
import io.weir.spi.tracing.SpanKind;
import io.weir.spi.tracing.TraceSpan;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * One span as Weir records it: ids as longs, attributes in small arrays, and nothing else until it
 * ends. Then, with an OTLP exporter, the worker encodes it into its span block ({@link
 * SpanPipeline}) and drops it; the SDK's Zipkin exporter reads it as OpenTelemetry {@link SpanData}
 * on the export thread instead. This replaces the SDK's own span (a lock, a hash map of attributes,
 * hex ids and a context per span) on the request path.
 *
 * <p>Threading: until {@link #end} the span belongs to its request's worker thread; {@code end}
 * hands a sampled span to the {@link SpanPipeline}, which encodes it there (OTLP) or queues it for
 * the export thread, which then only reads it. An unsampled span records nothing; it carries ids
 * for propagation only.
 */
final class RecordedSpan implements TraceSpan, SpanData {
    /** Attributes beyond this many are counted and dropped (OpenTelemetry's limit is 128). */
    static final int MAX_ATTRIBUTES = 64;

    private static final AttributeKey<Boolean> FORCED =
            AttributeKey.booleanKey("weir.force_sampled");

    // attribute keys are a fixed set (the kernel's names): made once, on the export thread
    private static final ConcurrentHashMap<String, AttributeKey<String>> STRING_KEYS =
            new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, AttributeKey<Long>> LONG_KEYS =
            new ConcurrentHashMap<>();

    private static <T> AttributeKey<T> key(
            ConcurrentHashMap<String, AttributeKey<T>> cache,
            String name,
            java.util.function.Function<String, AttributeKey<T>> make) {
        AttributeKey<T> k = cache.get(name);
        if (k == null) {
            k = make.apply(name);
            if (cache.size() < 256) { // bounded: the names are the kernel's, but be safe
                cache.putIfAbsent(name, k);
            }
        }
        return k;
    }

    private final WeirTracer tracer;
    final long traceHi;
    final long traceLo;
    final long spanId;

    /** 0 for a root span. */
    final long parentSpanId;

    final boolean parentRemote;
    final boolean sampled;
    final boolean forced;

    /** The caller's W3C {@code tracestate}, passed on unchanged; null when none. */
    final String traceState;

    private final String name;
    private final SpanKind kind;

    /** The clock of the trace: an epoch time and the {@link System#nanoTime} taken with it. */
    private final long anchorEpochNanos;

    private final long anchorNanoTime;
    private final long startEpochNanos;
    private long endEpochNanos;
    private boolean ended;

    private String[] keys;
    private String[] strings;
    private long[] longs;
    private int size;
    private long keyBits; // bit (hash mod 64) of every key set
    private int attempted;
    private boolean error;
    private String errorDescription;
    private String traceIdHex;
    private String spanIdHex;

    RecordedSpan(
            WeirTracer tracer,
            long traceHi,
            long traceLo,
            long parentSpanId,
            boolean parentRemote,
            boolean sampled,
            boolean forced,
            String traceState,
            String name,
            SpanKind kind,
            long anchorEpochNanos,
            long anchorNanoTime,
            long startEpochNanos) {
        this.tracer = tracer;
        this.traceHi = traceHi;
        this.traceLo = traceLo;
        this.spanId = TraceIds.newSpanId();
        this.parentSpanId = parentSpanId;
        this.parentRemote = parentRemote;
        this.sampled = sampled;
        this.forced = forced;
        this.traceState = traceState;
        this.name = name;
        this.kind = kind;
        this.anchorEpochNanos = anchorEpochNanos;
        this.anchorNanoTime = anchorNanoTime;
        // an unsampled span is never exported: its times are not read, so no clock is read for them
        this.startEpochNanos = startEpochNanos > 0 || !sampled ? startEpochNanos : now();
        if (sampled) { // a SERVER span gets 12 to 14 attributes from the kernel, a CLIENT 4 or 5
            int n = kind == SpanKind.SERVER ? 16 : 8;
            keys = new String[n];
            strings = new String[n];
            longs = new long[n];
        }
    }

    private long now() {
        return epochNanos(System.nanoTime());
    }

    /** On the trace's clock, with no clock read: every span of a trace shares its anchor. */
    @Override
    public long epochNanos(long nanoTime) {
        return anchorEpochNanos + (nanoTime - anchorNanoTime);
    }

    // ---- TraceSpan: the worker's side ----

    @Override
    public String traceId() {
        String s = traceIdHex;
        if (s == null) {
            s = TraceIds.hex(traceHi, traceLo);
            traceIdHex = s;
        }
        return s;
    }

    @Override
    public String spanId() {
        String s = spanIdHex;
        if (s == null) {
            s = TraceIds.hex(spanId);
            spanIdHex = s;
        }
        return s;
    }

    @Override
    public boolean isSampled() {
        return sampled;
    }

    @Override
    public TraceSpan startChild(String childName, SpanKind childKind, long start) {
        return new RecordedSpan(
                tracer,
                traceHi,
                traceLo,
                spanId,
                false,
                sampled,
                false,
                traceState,
                childName,
                childKind,
                anchorEpochNanos,
                anchorNanoTime,
                start);
    }

    @Override
    public void inject(HeaderWriter headers) {
        tracer.inject(this, headers);
    }

    @Override
    public void setAttribute(String key, String value) {
        if (value != null && sampled && !ended) {
            int i = slot(key);
            if (i >= 0) {
                strings[i] = value;
            }
        }
    }

    @Override
    public void setAttribute(String key, long value) {
        if (sampled && !ended) {
            int i = slot(key);
            if (i >= 0) {
                strings[i] = null;
                longs[i] = value;
            }
        }
    }

    /** The index for {@code key}: its earlier one (a later value replaces), or a new one, or -1. */
    private int slot(String key) {
        attempted++;
        int h = key.hashCode(); // cached in the String
        long bit = 1L << h; // a key whose bit is not set yet was never set: no search
        if ((keyBits & bit) != 0) {
            for (int i = 0; i < size; i++) {
                String k = keys[i];
                if (k == key || (k.hashCode() == h && k.equals(key))) {
                    attempted--;
                    return i;
                }
            }
        }
        if (size == keys.length) {
            if (size >= MAX_ATTRIBUTES) {
                return -1;
            }
            int n = Math.min(MAX_ATTRIBUTES, size * 2);
            keys = java.util.Arrays.copyOf(keys, n);
            strings = java.util.Arrays.copyOf(strings, n);
            longs = java.util.Arrays.copyOf(longs, n);
        }
        keyBits |= bit;
        keys[size] = key;
        return size++;
    }

    @Override
    public void setError(String description) {
        if (sampled && !ended) {
            error = true;
            errorDescription = description == null ? "" : description;
        }
    }

    @Override
    public void end() {
        if (!ended) {
            end(sampled ? now() : 0);
        }
    }

    @Override
    public void end(long endNanos) {
        if (ended) {
            return;
        }
        ended = true;
        endEpochNanos = Math.max(endNanos, startEpochNanos);
        if (sampled) {
            tracer.pipeline.offer(this);
        }
    }

    // ---- the export thread's side (the span has ended): for OtlpEncoder ----

    String name() {
        return name;
    }

    SpanKind kind() {
        return kind;
    }

    long startNanos() {
        return startEpochNanos;
    }

    long endNanos() {
        return endEpochNanos;
    }

    int attributeCount() {
        return size;
    }

    String attributeKey(int i) {
        return keys[i];
    }

    /** The string value of attribute {@code i}, or null when it holds a long. */
    String stringValue(int i) {
        return strings[i];
    }

    long longValue(int i) {
        return longs[i];
    }

    int droppedAttributes() {
        return attempted - size;
    }

    boolean isError() {
        return error;
    }

    String errorDescription() {
        return errorDescription;
    }

    // ---- SpanData: the export thread's side, for the OpenTelemetry SDK's exporters ----

    @Override
    public String getName() {
        return name;
    }

    @Override
    public io.opentelemetry.api.trace.SpanKind getKind() {
        return switch (kind) {
            case SERVER -> io.opentelemetry.api.trace.SpanKind.SERVER;
            case CLIENT -> io.opentelemetry.api.trace.SpanKind.CLIENT;
            case INTERNAL -> io.opentelemetry.api.trace.SpanKind.INTERNAL;
        };
    }

    @Override
    public SpanContext getSpanContext() {
        return SpanContext.create(
                traceId(), spanId(), TraceFlags.getSampled(), TraceState.getDefault());
    }

    @Override
    public String getTraceId() {
        return traceId();
    }

    @Override
    public String getSpanId() {
        return spanId();
    }

    @Override
    public SpanContext getParentSpanContext() {
        if (parentSpanId == 0) {
            return SpanContext.getInvalid();
        }
        String parent = TraceIds.hex(parentSpanId);
        return parentRemote
                ? SpanContext.createFromRemoteParent(
                        traceId(), parent, TraceFlags.getSampled(), TraceState.getDefault())
                : SpanContext.create(
                        traceId(), parent, TraceFlags.getSampled(), TraceState.getDefault());
    }

    @Override
    public StatusData getStatus() {
        return error ? StatusData.create(StatusCode.ERROR, errorDescription) : StatusData.unset();
    }

    @Override
    public long getStartEpochNanos() {
        return startEpochNanos;
    }

    @Override
    public Attributes getAttributes() {
        return new Attrs();
    }

    @Override
    public List<EventData> getEvents() {
        return List.of();
    }

    @Override
    public List<LinkData> getLinks() {
        return List.of();
    }

    @Override
    public long getEndEpochNanos() {
        return endEpochNanos;
    }

    @Override
    public boolean hasEnded() {
        return ended;
    }

    @Override
    public int getTotalRecordedEvents() {
        return 0;
    }

    @Override
    public int getTotalRecordedLinks() {
        return 0;
    }

    @Override
    public int getTotalAttributeCount() {
        return attempted + (forced ? 1 : 0);
    }

    @Override
    @SuppressWarnings("deprecation") // part of the interface the exporters read
    public InstrumentationLibraryInfo getInstrumentationLibraryInfo() {
        return InstrumentationLibraryInfo.create(
                WeirTracer.SCOPE.getName(), WeirTracer.SCOPE.getVersion());
    }

    @Override
    public InstrumentationScopeInfo getInstrumentationScopeInfo() {
        return WeirTracer.SCOPE;
    }

    @Override
    public Resource getResource() {
        return tracer.resource;
    }

    @Override
    public String toString() {
        return "RecordedSpan{" + name + " " + traceId() + "/" + spanId() + "}";
    }

    /** The span's attributes as OpenTelemetry reads them: a view, in the order they were set. */
    private final class Attrs implements Attributes {
        @Override
        @SuppressWarnings("unchecked")
        public <T> T get(AttributeKey<T> key) {
            if (key == null) {
                return null;
            }
            if (forced && FORCED.equals(key)) {
                return (T) Boolean.TRUE;
            }
            for (int i = 0; i < size; i++) {
                if (keys[i].equals(key.getKey())) {
                    Object v = value(i);
                    return key.getType() == keyOf(i).getType() ? (T) v : null;
                }
            }
            return null;
        }

        @Override
        public void forEach(BiConsumer<? super AttributeKey<?>, ? super Object> consumer) {
            for (int i = 0; i < size; i++) {
                consumer.accept(keyOf(i), value(i));
            }
            if (forced) {
                consumer.accept(FORCED, Boolean.TRUE);
            }
        }

        @Override
        public int size() {
            return size + (forced ? 1 : 0);
        }

        @Override
        public boolean isEmpty() {
            return size() == 0;
        }

        @Override
        public Map<AttributeKey<?>, Object> asMap() {
            Map<AttributeKey<?>, Object> m = new LinkedHashMap<>();
            forEach(m::put);
            return m;
        }

        @Override
        public AttributesBuilder toBuilder() {
            return Attributes.builder().putAll(this);
        }

        private AttributeKey<?> keyOf(int i) {
            return strings[i] != null
                    ? key(STRING_KEYS, keys[i], AttributeKey::stringKey)
                    : key(LONG_KEYS, keys[i], AttributeKey::longKey);
        }

        private Object value(int i) {
            return strings[i] != null ? strings[i] : (Object) longs[i];
        }

        @Override
        public String toString() {
            return asMap().toString();
        }
    }
}
