package io.weir.tracing;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.weir.spi.Metrics;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts what happens to ended spans between the workers and the exporter, around OpenTelemetry's
 * {@code BatchSpanProcessor}: a span that would overflow {@code maxQueueSize} is dropped here (and
 * counted) instead of inside the batch processor, and each failed export counts once as a failure
 * and its spans as dropped. Thread-safe: {@link Processor#onEnd} runs on workers, {@link
 * Exporter#export} on the batch processor's thread.
 */
final class ExportQueue {
    private final int maxQueueSize;
    private final AtomicLong pending = new AtomicLong();
    private final Metrics.Counter dropped;
    private final Metrics.Counter failures;
    private final Metrics.Counter exported;

    ExportQueue(int maxQueueSize, Metrics metrics) {
        this.maxQueueSize = maxQueueSize;
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
    }

    /** In front of the batch processor: bounds its queue. */
    final class Processor implements SpanProcessor {
        private final SpanProcessor batch;

        Processor(SpanProcessor batch) {
            this.batch = batch;
        }

        @Override
        public void onStart(Context parentContext, ReadWriteSpan span) {}

        @Override
        public boolean isStartRequired() {
            return false;
        }

        @Override
        public void onEnd(ReadableSpan span) {
            if (!span.getSpanContext().isSampled()) {
                return;
            }
            if (pending.incrementAndGet() > maxQueueSize) {
                pending.decrementAndGet();
                dropped.inc();
                return;
            }
            batch.onEnd(span);
        }

        @Override
        public boolean isEndRequired() {
            return true;
        }

        @Override
        public CompletableResultCode shutdown() {
            return batch.shutdown();
        }

        @Override
        public CompletableResultCode forceFlush() {
            return batch.forceFlush();
        }
    }

    /** Behind the batch processor: counts each export's outcome. */
    final class Exporter implements SpanExporter {
        private final SpanExporter delegate;

        Exporter(SpanExporter delegate) {
            this.delegate = delegate;
        }

        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            int n = spans.size();
            pending.addAndGet(-n);
            CompletableResultCode r;
            try {
                r = delegate.export(spans);
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
            return result;
        }

        @Override
        public CompletableResultCode flush() {
            return delegate.flush();
        }

        @Override
        public CompletableResultCode shutdown() {
            return delegate.shutdown();
        }
    }
}
