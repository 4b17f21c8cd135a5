package io.weir.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.tracing.TraceSpan;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpanPipelineTest {
    private final TestSupport.Batches out = new TestSupport.Batches();
    private final TestSupport.Counters metrics = new TestSupport.Counters();

    private WeirTracer tracer(int queue, int batch, Duration delay) {
        SpanPipeline p = new SpanPipeline(out, queue, batch, delay, Duration.ofSeconds(5), metrics);
        return new WeirTracer(
                TestSupport.settings(1.0, List.of("w3c"), null),
                p,
                io.opentelemetry.sdk.resources.Resource.getDefault());
    }

    @Test
    void aFullBatchGoesOutBeforeTheScheduleDelay() throws Exception {
        WeirTracer t = tracer(100, 3, Duration.ofHours(1));
        try {
            for (int i = 0; i < 3; i++) {
                t.startServerSpan("GET", h -> null).end();
            }
            assertThat(out.next()).hasSize(3);
        } finally {
            t.close();
        }
    }

    @Test
    void theScheduleDelaySendsAPartialBatch() throws Exception {
        WeirTracer t = tracer(100, 50, Duration.ofMillis(50));
        try {
            t.startServerSpan("GET", h -> null).end();
            assertThat(out.next()).hasSize(1);
        } finally {
            t.close();
        }
    }

    @Test
    void aFullQueueDropsAndCountsAndCloseExportsWhatIsLeft() throws Exception {
        WeirTracer t = tracer(5, 100, Duration.ofHours(1));
        for (int i = 0; i < 8; i++) {
            t.startServerSpan("GET", h -> null).end();
        }
        assertThat(metrics.get("weir_tracing_spans_dropped_total")).isEqualTo(3);
        assertThat(out.batches).isEmpty();
        t.close();
        assertThat(out.next()).hasSize(5);
        assertThat(out.shutdown).isTrue();
        assertThat(metrics.get("weir_tracing_spans_exported_total")).isEqualTo(5);
    }

    @Test
    void aFailedExportCountsOnceAndItsSpansAsDropped() throws Exception {
        out.fail = true;
        WeirTracer t = tracer(100, 2, Duration.ofHours(1));
        try {
            TraceSpan a = t.startServerSpan("GET", h -> null);
            TraceSpan b = t.startServerSpan("GET", h -> null);
            a.end();
            b.end();
            out.next();
            TestSupport.await(() -> metrics.get("weir_tracing_spans_dropped_total") == 2);
            assertThat(metrics.get("weir_tracing_export_failures_total")).isEqualTo(1);
            assertThat(metrics.get("weir_tracing_spans_dropped_total")).isEqualTo(2);
            assertThat(metrics.get("weir_tracing_spans_exported_total")).isZero();
        } finally {
            t.close();
        }
    }
}
