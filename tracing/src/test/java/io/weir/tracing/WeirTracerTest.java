package io.weir.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.weir.spi.tracing.HeaderWriter;
import io.weir.spi.tracing.TraceSpan;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WeirTracerTest {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT = "00f067aa0ba902b7";

    private final TestSupport.Batches out = new TestSupport.Batches();
    private final TestSupport.Counters metrics = new TestSupport.Counters();
    private WeirTracer tracer;

    @AfterEach
    void close() {
        if (tracer != null) {
            tracer.close();
        }
    }

    private WeirTracer tracer(double sampling, List<String> propagation, String force, int batch) {
        tracer =
                TestSupport.tracer(
                        TestSupport.settings(sampling, propagation, force), out, batch, metrics);
        return tracer;
    }

    private static final class Headers implements HeaderWriter {
        final Map<String, String> map = new HashMap<>();

        @Override
        public void set(String name, String value) {
            map.put(name, value);
        }

        @Override
        public void remove(String name) {
            map.remove(name);
        }
    }

    @Test
    void ratioSamplingFollowsOpenTelemetrysBound() {
        assertThat(WeirTracer.ratioSamples(WeirTracer.ratioBound(0), 1)).isFalse();
        assertThat(WeirTracer.ratioSamples(WeirTracer.ratioBound(0), Long.MIN_VALUE)).isFalse();
        assertThat(WeirTracer.ratioSamples(WeirTracer.ratioBound(1), Long.MAX_VALUE)).isTrue();
        assertThat(WeirTracer.ratioSamples(WeirTracer.ratioBound(1), Long.MIN_VALUE)).isTrue();
        long half = WeirTracer.ratioBound(0.5);
        assertThat(WeirTracer.ratioSamples(half, half - 1)).isTrue();
        assertThat(WeirTracer.ratioSamples(half, half)).isFalse();
        assertThat(WeirTracer.ratioSamples(half, -(half - 1))).isTrue();
    }

    @Test
    void aRatioSamplesAboutThatShareOfNewTraces() {
        WeirTracer t = tracer(0.25, List.of("w3c"), null, 512);
        int sampled = 0;
        for (int i = 0; i < 20_000; i++) {
            if (t.startServerSpan("GET", h -> null).isSampled()) {
                sampled++;
            }
        }
        // binomial(20000, 0.25): sd about 61; 10 sd either side
        assertThat(sampled).isBetween(5000 - 612, 5000 + 612);
    }

    @Test
    void aServerSpanStartsAtTheKernelsReadingAndItsTraceConvertsLaterOnesOnOneClock() {
        WeirTracer t = tracer(1.0, List.of("w3c"), null, 512);
        long before = System.currentTimeMillis() * 1_000_000L;
        long start = System.nanoTime() - 3_000_000; // the request came in 3 ms ago
        TraceSpan server = t.startServerSpan("GET", h -> null, start);
        RecordedSpan s = (RecordedSpan) server;
        assertThat(s.startNanos()).isEqualTo(server.epochNanos(start));
        // the wall clock's millisecond, less the 3 ms, less a generous margin for a slow machine
        assertThat(s.startNanos()).isBetween(before - 1_000_000_000L, before);
        TraceSpan client =
                server.startChild(
                        "GET",
                        io.weir.spi.tracing.SpanKind.CLIENT,
                        server.epochNanos(start + 1000));
        // a child converts on its trace's clock: the same reading gives the same time
        assertThat(client.epochNanos(start + 7_000)).isEqualTo(server.epochNanos(start + 7_000));
        assertThat(server.epochNanos(start + 2_500_000) - server.epochNanos(start))
                .isEqualTo(2_500_000);
        client.end(client.epochNanos(start + 2_000_000));
        server.end(server.epochNanos(start + 2_500_000));
        assertThat(((RecordedSpan) client).startNanos()).isEqualTo(s.startNanos() + 1000);
        assertThat(((RecordedSpan) client).endNanos()).isEqualTo(s.startNanos() + 2_000_000);
        assertThat(s.endNanos()).isEqualTo(s.startNanos() + 2_500_000);
        t.close();
    }

    @Test
    void aParentsFlagDecidesAndTheForceHeaderOverridesIt() {
        WeirTracer t = tracer(1.0, List.of("w3c"), "x-debug", 512);
        Map<String, String> unsampledParent =
                Map.of("traceparent", "00-" + TRACE + "-" + PARENT + "-00");
        TraceSpan s = t.startServerSpan("GET", unsampledParent::get);
        assertThat(s.isSampled()).isFalse();
        assertThat(s.traceId()).isEqualTo(TRACE);
        assertThat(s.spanId()).isNotEqualTo(PARENT).hasSize(16);

        Map<String, String> forced = new HashMap<>(unsampledParent);
        forced.put("x-debug", "1");
        assertThat(t.startServerSpan("GET", forced::get).isSampled()).isTrue();

        WeirTracer never =
                TestSupport.tracer(
                        TestSupport.settings(0, List.of("w3c"), null), out, 512, metrics);
        try {
            Map<String, String> sampledParent =
                    Map.of("traceparent", "00-" + TRACE + "-" + PARENT + "-01");
            assertThat(never.startServerSpan("GET", sampledParent::get).isSampled()).isTrue();
            assertThat(never.startServerSpan("GET", h -> null).isSampled()).isFalse();
        } finally {
            never.close();
        }
    }

    @Test
    void aMalformedTraceparentStartsANewTrace() {
        WeirTracer t = tracer(1.0, List.of("w3c"), null, 512);
        Map<String, String> bad = Map.of("traceparent", "00-" + TRACE + "-" + PARENT + "-zz");
        TraceSpan s = t.startServerSpan("GET", bad::get);
        assertThat(s.traceId()).isNotEqualTo(TRACE).hasSize(32);
        assertThat(s.isSampled()).isTrue();
    }

    @Test
    void injectWritesTheChildsContextAndPassesTracestateOn() {
        WeirTracer t = tracer(1.0, List.of("w3c"), null, 512);
        Map<String, String> in =
                Map.of(
                        "traceparent",
                        "00-" + TRACE + "-" + PARENT + "-01",
                        "tracestate",
                        "vendor=x");
        TraceSpan server = t.startServerSpan("GET", in::get);
        TraceSpan client = server.startChild("GET", io.weir.spi.tracing.SpanKind.CLIENT);
        Headers h = new Headers();
        h.set("traceparent", "stale");
        client.inject(h);
        assertThat(h.map)
                .containsEntry("traceparent", "00-" + TRACE + "-" + client.spanId() + "-01")
                .containsEntry("tracestate", "vendor=x");
    }

    @Test
    void aTracestateWithoutAValidTraceparentIsNotPassedOn() {
        WeirTracer t = tracer(1.0, List.of("w3c"), null, 512);
        Map<String, String> in = Map.of("traceparent", "garbage", "tracestate", "vendor=x");
        TraceSpan client =
                t.startServerSpan("GET", in::get)
                        .startChild("GET", io.weir.spi.tracing.SpanKind.CLIENT);
        Headers h = new Headers();
        h.set("traceparent", "garbage");
        h.set("tracestate", "vendor=x");
        client.inject(h);
        assertThat(h.map).doesNotContainKey("tracestate");
        assertThat(h.map.get("traceparent"))
                .isEqualTo("00-" + client.traceId() + "-" + client.spanId() + "-01");
    }

    @Test
    void b3AndJaegerAreReadAndWrittenAndTheFirstListedFormatWins() {
        WeirTracer t = tracer(1.0, List.of("b3", "w3c", "jaeger"), null, 512);
        String b3Trace = "463ac35c9f6413ad48485a3953bb6124";
        Map<String, String> in =
                Map.of(
                        "b3", b3Trace + "-a2fb4a1d1a96d312-1",
                        "traceparent", "00-" + TRACE + "-" + PARENT + "-01");
        TraceSpan s = t.startServerSpan("GET", in::get);
        assertThat(s.traceId()).isEqualTo(b3Trace);
        Headers h = new Headers();
        s.inject(h);
        assertThat(h.map.get("b3")).isEqualTo(b3Trace + "-" + s.spanId() + "-1");
        assertThat(h.map.get("x-b3-traceid")).isEqualTo(b3Trace);
        assertThat(h.map.get("traceparent")).isEqualTo("00-" + b3Trace + "-" + s.spanId() + "-01");
        assertThat(h.map.get("uber-trace-id")).startsWith(b3Trace + ":" + s.spanId());
    }

    @Test
    void endedSpansAreExportedWithTheirParentsKindsAttributesAndStatus() throws Exception {
        WeirTracer t = tracer(1.0, List.of("w3c"), null, 2);
        Map<String, String> in = Map.of("traceparent", "00-" + TRACE + "-" + PARENT + "-01");
        TraceSpan server = t.startServerSpan("GET", in::get);
        TraceSpan client = server.startChild("GET", io.weir.spi.tracing.SpanKind.CLIENT);
        client.setAttribute("weir.cluster", "backend");
        client.setAttribute("http.response.status_code", 503);
        client.setAttribute("http.response.status_code", 502); // a later value replaces
        client.setAttribute("ignored", (String) null);
        client.setError("upstream reset");
        client.end();
        client.setAttribute("after.end", "ignored");
        server.setAttribute("url.path", "/a");
        server.end();
        server.end(); // once only
        List<SpanData> batch = out.next();
        assertThat(batch).hasSize(2);
        SpanData c = batch.get(0);
        SpanData sv = batch.get(1);
        assertThat(c.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(c.getParentSpanId()).isEqualTo(sv.getSpanId());
        assertThat(c.getParentSpanContext().isRemote()).isFalse();
        assertThat(c.getAttributes().get(AttributeKey.stringKey("weir.cluster")))
                .isEqualTo("backend");
        assertThat(c.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
                .isEqualTo(502L);
        assertThat(c.getAttributes().size()).isEqualTo(2);
        assertThat(c.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(c.getStatus().getDescription()).isEqualTo("upstream reset");
        assertThat(c.getEndEpochNanos()).isGreaterThanOrEqualTo(c.getStartEpochNanos());
        assertThat(sv.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(sv.getTraceId()).isEqualTo(TRACE);
        assertThat(sv.getParentSpanId()).isEqualTo(PARENT);
        assertThat(sv.getParentSpanContext().isRemote()).isTrue();
        assertThat(sv.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(sv.getResource().getAttribute(AttributeKey.stringKey("telemetry.sdk.language")))
                .isEqualTo("java");
        TestSupport.await(() -> metrics.get("weir_tracing_spans_exported_total") == 2);
    }

    @Test
    void unsampledSpansAreNeverExported() throws Exception {
        WeirTracer t = tracer(0, List.of("w3c"), null, 1);
        TraceSpan s = t.startServerSpan("GET", h -> null);
        s.setAttribute("a", "b");
        s.end();
        // nothing reads an unsampled span's times, so none are taken
        assertThat(((SpanData) s).getStartEpochNanos()).isZero();
        assertThat(((SpanData) s).getEndEpochNanos()).isZero();
        assertThat(
                        ((SpanData) s.startChild("GET", io.weir.spi.tracing.SpanKind.CLIENT))
                                .getStartEpochNanos())
                .isZero();
        TraceSpan sampled =
                t.startServerSpan(
                        "GET", Map.of("traceparent", "00-" + TRACE + "-" + PARENT + "-01")::get);
        sampled.end();
        assertThat(out.next()).extracting(SpanData::getTraceId).containsExactly(TRACE);
        assertThat(out.batches).isEmpty();
    }

    @Test
    void aListenersSamplingReplacesTheRatioForNewTracesOnlyAndSharesTheExporter() throws Exception {
        WeirTracer all = tracer(1.0, List.of("w3c"), "x-debug", 1);
        io.weir.spi.tracing.Tracer none = all.withSampling(0);
        for (int i = 0; i < 1000; i++) {
            assertThat(none.startServerSpan("GET", h -> null).isSampled()).isFalse();
        }
        assertThat(none.startServerSpan("GET", Map.of("x-debug", "1")::get).isSampled()).isTrue();
        TraceSpan fromParent =
                none.startServerSpan(
                        "GET", Map.of("traceparent", "00-" + TRACE + "-" + PARENT + "-01")::get);
        assertThat(fromParent.isSampled()).isTrue();
        none.close(); // a listener's copy: the process's pipeline goes on
        fromParent.end();
        assertThat(out.next()).extracting(SpanData::getTraceId).containsExactly(TRACE);
        assertThat(all.startServerSpan("GET", h -> null).isSampled()).isTrue();
        assertThat(all.withSampling(1.0).startServerSpan("GET", h -> null).isSampled()).isTrue();
        assertThatThrownBy(() -> all.withSampling(1.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0..1");
    }
}
