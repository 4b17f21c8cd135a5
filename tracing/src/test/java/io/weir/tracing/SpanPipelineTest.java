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

    // ---- the OTLP path: each worker thread's spans encoded into its lane, published as blocks
    // ----

    private final TestSupport.Blocks blocks = new TestSupport.Blocks();

    private WeirTracer blockTracer(int queue, int batch, Duration delay) {
        SpanPipeline p =
                new SpanPipeline(blocks, queue, batch, delay, Duration.ofSeconds(5), metrics);
        return new WeirTracer(
                TestSupport.settings(1.0, List.of("w3c"), null),
                p,
                io.opentelemetry.sdk.resources.Resource.getDefault());
    }

    private static String hex(com.google.protobuf.ByteString b) {
        return java.util.HexFormat.of().formatHex(b.toByteArray());
    }

    @Test
    void aLaneWithAFullBatchGoesOutBeforeTheScheduleDelay() throws Exception {
        WeirTracer t = blockTracer(100, 3, Duration.ofHours(1));
        try {
            List<String> ids = new java.util.ArrayList<>();
            for (int i = 0; i < 7; i++) {
                TraceSpan s = t.startServerSpan("GET", h -> null);
                s.setAttribute("i", i);
                ids.add(s.spanId());
                s.end();
            }
            List<io.opentelemetry.proto.trace.v1.Span> a = blocks.next();
            List<io.opentelemetry.proto.trace.v1.Span> b = blocks.next();
            assertThat(a).hasSize(3);
            assertThat(b).hasSize(3);
            assertThat(hex(a.get(0).getSpanId())).isEqualTo(ids.get(0));
            assertThat(hex(b.get(2).getSpanId())).isEqualTo(ids.get(5));
            assertThat(a.get(2).getAttributes(0).getValue().getIntValue()).isEqualTo(2);
            assertThat(blocks.batches).isEmpty(); // the seventh waits in its lane
        } finally {
            t.close();
        }
    }

    @Test
    void theScheduleDelayPublishesAPartialLane() throws Exception {
        WeirTracer t = blockTracer(100, 50, Duration.ofMillis(50));
        try {
            long t0 = System.nanoTime();
            t.startServerSpan("GET", h -> null).end();
            t.startServerSpan("GET", h -> null).end();
            assertThat(blocks.next()).hasSize(2);
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(50_000_000L);
        } finally {
            t.close();
        }
    }

    @Test
    void aFullQueueDropsFromALaneAndCloseExportsWhatIsLeft() throws Exception {
        WeirTracer t = blockTracer(5, 100, Duration.ofHours(1));
        for (int i = 0; i < 8; i++) {
            t.startServerSpan("GET", h -> null).end();
        }
        assertThat(metrics.get("weir_tracing_spans_dropped_total")).isEqualTo(3);
        assertThat(blocks.batches).isEmpty();
        List<String> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("weir.tracing");
        java.util.logging.Handler capture =
                new java.util.logging.Handler() {
                    @Override
                    public void publish(java.util.logging.LogRecord r) {
                        logged.add(
                                java.text.MessageFormat.format(r.getMessage(), r.getParameters()));
                    }

                    @Override
                    public void flush() {}

                    @Override
                    public void close() {}
                };
        jul.addHandler(capture);
        try {
            t.close();
        } finally {
            jul.removeHandler(capture);
        }
        assertThat(logged) // the totals at shutdown, for a log reader (and the benchmark)
                .contains(
                        "span export stopped: spans_exported=5 spans_dropped=3 export_failures=0");
        assertThat(blocks.next()).hasSize(5);
        assertThat(blocks.shutdown).isTrue();
        assertThat(metrics.get("weir_tracing_spans_exported_total")).isEqualTo(5);
        t.startServerSpan("GET", h -> null).end(); // after close: nothing is sent, nothing fails
        assertThat(blocks.batches).isEmpty();
    }

    @Test
    void aFailedBlockExportCountsOnceAndItsSpansAsDropped() throws Exception {
        blocks.fail = true;
        WeirTracer t = blockTracer(100, 2, Duration.ofHours(1));
        try {
            t.startServerSpan("GET", h -> null).end();
            t.startServerSpan("GET", h -> null).end();
            blocks.next();
            TestSupport.await(() -> metrics.get("weir_tracing_spans_dropped_total") == 2);
            assertThat(metrics.get("weir_tracing_export_failures_total")).isEqualTo(1);
            assertThat(metrics.get("weir_tracing_spans_exported_total")).isZero();
        } finally {
            t.close();
        }
    }

    @Test
    void everySpanOfFourThreadsIsExportedOnceInTheOrderEachThreadEndedThem() throws Exception {
        WeirTracer t = blockTracer(100_000, 64, Duration.ofMillis(20));
        int perThread = 1000;
        java.util.Map<String, List<String>> ended = new java.util.concurrent.ConcurrentHashMap<>();
        List<Thread> threads = new java.util.ArrayList<>();
        for (int k = 0; k < 4; k++) {
            String name = "worker-" + k;
            Thread th =
                    new Thread(
                            () -> {
                                List<String> mine = new java.util.ArrayList<>();
                                for (int i = 0; i < perThread; i++) {
                                    TraceSpan s = t.startServerSpan("GET", h -> null);
                                    s.setAttribute("thread", name);
                                    mine.add(s.spanId());
                                    s.end();
                                }
                                ended.put(name, mine);
                            },
                            name);
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        java.util.Map<String, List<String>> got = new java.util.HashMap<>();
        int seen = 0;
        while (seen < 4 * perThread) {
            for (io.opentelemetry.proto.trace.v1.Span s : blocks.next()) {
                assertThat(s.getAttributesCount()).isEqualTo(1);
                got.computeIfAbsent(
                                s.getAttributes(0).getValue().getStringValue(),
                                k -> new java.util.ArrayList<>())
                        .add(hex(s.getSpanId()));
                seen++;
            }
        }
        t.close();
        assertThat(blocks.batches).isEmpty();
        assertThat(got).isEqualTo(ended);
        assertThat(metrics.get("weir_tracing_spans_exported_total")).isEqualTo(4L * perThread);
        assertThat(metrics.get("weir_tracing_spans_dropped_total")).isZero();
    }

    @Test
    void eachThreadKeepsItsOwnLaneThoughMoreThreadsThanLaneSlotsTakeTurns() throws Exception {
        int threads = 70; // more than the pipeline's 64 slots by thread id: some share a slot
        WeirTracer t = blockTracer(10_000, 3, Duration.ofHours(1));
        List<java.util.concurrent.ExecutorService> workers = new java.util.ArrayList<>();
        try {
            for (int k = 0; k < threads; k++) {
                workers.add(java.util.concurrent.Executors.newSingleThreadExecutor());
            }
            for (int i = 0; i < 3; i++) { // every thread ends its i-th span, in turn
                for (int k = 0; k < threads; k++) {
                    int thread = k;
                    int n = i;
                    workers.get(k)
                            .submit(
                                    () -> {
                                        TraceSpan s = t.startServerSpan("GET", h -> null);
                                        s.setAttribute("thread", thread);
                                        s.setAttribute("i", n);
                                        s.end();
                                    })
                            .get();
                }
            }
            java.util.Set<Long> seen = new java.util.HashSet<>();
            for (int b = 0; b < threads; b++) { // each third span filled its thread's lane
                List<io.opentelemetry.proto.trace.v1.Span> batch = blocks.next();
                assertThat(batch).hasSize(3);
                long thread = batch.get(0).getAttributes(0).getValue().getIntValue();
                for (int i = 0; i < 3; i++) {
                    assertThat(batch.get(i).getAttributes(0).getValue().getIntValue())
                            .as("batch %d, span %d: one thread's spans", b, i)
                            .isEqualTo(thread);
                    assertThat(batch.get(i).getAttributes(1).getValue().getIntValue()).isEqualTo(i);
                }
                assertThat(seen.add(thread)).isTrue();
            }
            assertThat(blocks.batches).isEmpty();
        } finally {
            workers.forEach(java.util.concurrent.ExecutorService::shutdownNow);
            t.close();
        }
    }
}
