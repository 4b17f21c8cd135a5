package io.weir.tracing;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.weir.spi.Metrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Ended sampled spans on their way from the workers to an OpenTelemetry {@link SpanExporter}: a
 * bounded queue and one export thread, with the batching rules of OpenTelemetry's batch span
 * processor (export when {@code max_export_batch_size} spans wait or {@code schedule_delay} has
 * passed; at most {@code max_queue_size} wait; an export may take {@code export_timeout}).
 *
 * <p>Threading: {@link #offer} runs on any worker and never blocks: a full queue drops the span
 * (counted). Everything else runs on the export thread {@code weir-trace-export}, so a slow or
 * absent backend costs the workers nothing. Each failed export counts once as a failure and its
 * spans as dropped.
 */
final class SpanPipeline implements AutoCloseable {
    private final SpanExporter exporter;
    private final int maxQueueSize;
    private final int batchSize;
    private final long delayNanos;
    private final long timeoutMillis;
    private final ConcurrentLinkedQueue<RecordedSpan> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final Metrics.Counter dropped;
    private final Metrics.Counter failures;
    private final Metrics.Counter exported;
    private final Thread thread;
    private volatile boolean closing;

    /** Whether the exporter writes OTLP: then spans are encoded as they are queued. */
    private final boolean encodeOnOffer;

    SpanPipeline(
            SpanExporter exporter,
            int maxQueueSize,
            int batchSize,
            Duration scheduleDelay,
            Duration exportTimeout,
            Metrics metrics) {
        this.exporter = exporter;
        this.encodeOnOffer =
                exporter instanceof OtlpHttpExporter || exporter instanceof OtlpGrpcExporter;
        this.maxQueueSize = maxQueueSize;
        this.batchSize = batchSize;
        this.delayNanos = Math.max(1, scheduleDelay.toNanos());
        this.timeoutMillis = Math.max(1, exportTimeout.toMillis());
        this.dropped =
                metrics.counter(
                        "weir_tracing_spans_dropped_total",
                        "Sampled spans never exported: the export queue was full or the export"
                                + " failed");
        this.failures =
                metrics.counter(
                        "weir_tracing_export_failures_total",
                        "Span exports that failed (backend down, slow or refusing)");
        this.exported = metrics.counter("weir_tracing_spans_exported_total", "Spans exported");
        this.thread = new Thread(this::run, "weir-trace-export");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Queues an ended sampled span, or drops it (counted) when the queue is full. Any thread. For
     * an OTLP exporter the span is encoded here, on the worker that ended it ({@link
     * OtlpEncoder#spanBytes}).
     */
    void offer(RecordedSpan span) {
        int n = queued.incrementAndGet();
        if (n > maxQueueSize) {
            queued.decrementAndGet();
            dropped.inc();
            return;
        }
        if (encodeOnOffer) {
            span.encoded = OtlpEncoder.spanBytes(span); // published by the queue
        }
        queue.offer(span);
        if (n == batchSize) {
            LockSupport.unpark(thread); // a full batch waits: export it now
        }
    }

    private void run() {
        long deadline = System.nanoTime() + delayNanos;
        while (!closing) {
            long wait = deadline - System.nanoTime();
            if (queued.get() < batchSize && wait > 0) {
                LockSupport.parkNanos(this, wait);
                continue;
            }
            exportBatch();
            deadline = System.nanoTime() + delayNanos;
        }
        while (exportBatch() > 0) { // closing: what is queued goes out
            continue;
        }
    }

    /**
     * Exports up to one batch and waits for it at most {@code export_timeout}; returns how many
     * spans it took.
     */
    private int exportBatch() {
        List<SpanData> batch = new ArrayList<>(Math.min(batchSize, Math.max(1, queued.get())));
        RecordedSpan s;
        while (batch.size() < batchSize && (s = queue.poll()) != null) {
            batch.add(s);
        }
        if (batch.isEmpty()) {
            return 0;
        }
        int n = batch.size();
        queued.addAndGet(-n);
        CompletableResultCode r;
        try {
            r = exporter.export(batch);
        } catch (RuntimeException e) {
            r = CompletableResultCode.ofExceptionalFailure(e);
        }
        CompletableResultCode result = r;
        result.whenComplete(
                () -> {
                    if (result.isSuccess()) {
                        exported.add(n);
                    } else {
                        failures.inc();
                        dropped.add(n);
                    }
                });
        result.join(timeoutMillis, TimeUnit.MILLISECONDS);
        return n;
    }

    /** Exports what is queued, then shuts the exporter down; waits at most about two timeouts. */
    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(thread);
        try {
            thread.join(timeoutMillis + 2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        exporter.shutdown().join(timeoutMillis + 2000, TimeUnit.MILLISECONDS);
    }
}
