package io.weir.tracing;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.weir.spi.Metrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** A counting {@link Metrics}, an exporter that keeps its batches, and a tracer over them. */
final class TestSupport {
    private TestSupport() {}

    /** Counters only (the tracer defines nothing else); label-less. */
    static final class Counters implements Metrics {
        final Map<String, AtomicLong> values = new ConcurrentHashMap<>();

        long get(String name) {
            AtomicLong v = values.get(name);
            return v == null ? 0 : v.get();
        }

        @Override
        public Counter counter(String name, String help, String... labelNames) {
            AtomicLong v = values.computeIfAbsent(name, k -> new AtomicLong());
            return (n, labelValues) -> v.addAndGet(n);
        }

        @Override
        public Gauge gauge(String name, String help, String... labelNames) {
            throw new UnsupportedOperationException(name);
        }

        @Override
        public Histogram histogram(
                String name, String help, double[] buckets, String... labelNames) {
            throw new UnsupportedOperationException(name);
        }
    }

    /** Keeps every exported batch; answers success, or failure when told to. */
    abstract static class Kept<T> implements SpanExporter {
        final LinkedBlockingQueue<List<T>> batches = new LinkedBlockingQueue<>();
        volatile boolean fail;
        volatile boolean shutdown;

        /** Keeps {@code batch} and answers as told. */
        CompletableResultCode keep(List<T> batch) {
            batches.add(batch);
            return fail ? CompletableResultCode.ofFailure() : CompletableResultCode.ofSuccess();
        }

        List<T> next() throws InterruptedException {
            List<T> b = batches.poll(10, TimeUnit.SECONDS);
            if (b == null) {
                throw new AssertionError("no batch exported within 10 s");
            }
            return b;
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            shutdown = true;
            return CompletableResultCode.ofSuccess();
        }
    }

    /** The spans themselves, as a Zipkin-like exporter gets them. */
    static final class Batches extends Kept<SpanData> {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            return keep(new ArrayList<>(spans));
        }
    }

    /**
     * An OTLP exporter that takes the workers' encoded blocks: keeps each request's spans, decoded
     * with opentelemetry-proto.
     */
    static final class Blocks extends Kept<Span> implements BlockExporter {
        private final OtlpEncoder encoder =
                new OtlpEncoder(Resource.getDefault(), InstrumentationScopeInfo.create("io.weir"));

        @Override
        public CompletableResultCode exportBlocks(List<SpanBlock> blocks) {
            encoder.encodeBlocks(blocks);
            try {
                ExportTraceServiceRequest r =
                        ExportTraceServiceRequest.parseFrom(
                                ByteString.copyFrom(encoder.buffer(), 0, encoder.length()));
                return keep(r.getResourceSpans(0).getScopeSpans(0).getSpansList());
            } catch (InvalidProtocolBufferException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            throw new AssertionError("an OTLP exporter's spans come in blocks");
        }
    }

    /** Waits up to 10 s for {@code c} (the export thread counts after each export returns). */
    static void await(java.util.function.BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    static TracingSettings settings(double sampling, List<String> propagation, String force) {
        return new TracingSettings(
                "test-service",
                sampling,
                propagation,
                force,
                "otlp",
                "http://127.0.0.1:1/v1/traces",
                "http",
                2048,
                512,
                Duration.ofHours(1),
                Duration.ofSeconds(5));
    }

    /** A tracer whose pipeline exports to {@code out} in batches of {@code batch}. */
    static WeirTracer tracer(TracingSettings s, Batches out, int batch, Counters metrics) {
        SpanPipeline p =
                new SpanPipeline(
                        out, 2048, batch, Duration.ofHours(1), Duration.ofSeconds(5), metrics);
        return new WeirTracer(s, p, Resource.getDefault());
    }
}
