package io.weir.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The span pipeline with the OTLP/HTTP exporter against a real HTTP server on loopback: an export's
 * answer is read after the request is written, by the next export or within {@link
 * SpanPipeline#SETTLE_NANOS}, and what it says is counted then.
 */
class OtlpHttpExportTest {
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

    private final TestSupport.Counters metrics = new TestSupport.Counters();

    private WeirTracer tracer(HttpPosterTest.Server server, int batch, Duration timeout) {
        OtlpHttpExporter exporter =
                new OtlpHttpExporter(
                        server.uri(),
                        timeout,
                        Resource.getDefault(),
                        InstrumentationScopeInfo.create("io.weir"));
        SpanPipeline p =
                new SpanPipeline(exporter, 10_000, batch, Duration.ofHours(1), timeout, metrics);
        return new WeirTracer(TestSupport.settings(1.0, List.of("w3c"), null), p, Resource.empty());
    }

    private static void spans(WeirTracer t, int n) {
        for (int i = 0; i < n; i++) {
            t.startServerSpan("GET", h -> null).end();
        }
    }

    @Test
    void aBatchWithNoBatchAfterItIsCountedOnceItsAnswerIsReadWithinTheSettleTime()
            throws Exception {
        try (HttpPosterTest.Server server = HttpPosterTest.Server.answering(OK)) {
            WeirTracer t = tracer(server, 4, Duration.ofSeconds(5));
            try {
                spans(t, 4);
                // no batch follows and the schedule delay is an hour: only the settle time (100
                // ms) reads the answer within the 10 s this waits
                TestSupport.await(() -> metrics.get("weir_tracing_spans_exported_total") == 4);
                assertThat(server.requests).hasSize(1);
                assertThat(
                                ExportTraceServiceRequest.parseFrom(server.requests.get(0).body())
                                        .getResourceSpans(0)
                                        .getScopeSpans(0)
                                        .getSpansCount())
                        .isEqualTo(4);
            } finally {
                t.close();
            }
        }
    }

    @Test
    void batchesBackToBackEachCountOnceOverOneConnection() throws Exception {
        try (HttpPosterTest.Server server = HttpPosterTest.Server.answering(OK)) {
            WeirTracer t = tracer(server, 2, Duration.ofSeconds(5));
            try {
                spans(t, 200);
                TestSupport.await(() -> metrics.get("weir_tracing_spans_exported_total") == 200);
                assertThat(server.accepted.get()).isEqualTo(1);
                int total = 0;
                for (HttpPosterTest.Request r : server.requests) {
                    total +=
                            ExportTraceServiceRequest.parseFrom(r.body())
                                    .getResourceSpans(0)
                                    .getScopeSpans(0)
                                    .getSpansCount();
                }
                assertThat(total).isEqualTo(200);
                assertThat(metrics.get("weir_tracing_spans_dropped_total")).isZero();
            } finally {
                t.close();
            }
        }
    }

    @Test
    void anAnswerThatNeverComesFailsTheExportAtTheTimeoutAndItsSpansAreDropped() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (HttpPosterTest.Server server =
                new HttpPosterTest.Server(
                        (srv, s) -> {
                            srv.read(s);
                            release.await(30, TimeUnit.SECONDS);
                        })) {
            WeirTracer t = tracer(server, 3, Duration.ofMillis(400));
            try {
                long t0 = System.nanoTime();
                spans(t, 3);
                TestSupport.await(() -> metrics.get("weir_tracing_spans_dropped_total") == 3);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertThat(ms).isBetween(300L, 5_000L);
                assertThat(metrics.get("weir_tracing_export_failures_total")).isEqualTo(1);
                assertThat(metrics.get("weir_tracing_spans_exported_total")).isZero();
            } finally {
                release.countDown();
                t.close();
            }
        }
    }

    @Test
    void closeReadsTheLastAnswerBeforeItEnds() throws Exception {
        try (HttpPosterTest.Server server = HttpPosterTest.Server.answering(OK)) {
            WeirTracer t = tracer(server, 1000, Duration.ofSeconds(5));
            spans(t, 5); // under a batch: sent by close
            t.close();
            assertThat(metrics.get("weir_tracing_spans_exported_total")).isEqualTo(5);
            assertThat(server.requests).hasSize(1);
        }
    }
}
