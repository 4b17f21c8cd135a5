package io.weir.distro.tracing;

import static io.weir.distro.tracing.ZipkinTwoHopIntegrationTest.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.weir.distro.tracing.ReceivedSpans.Received;
import io.weir.kernel.testing.Weir;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Weir's tracer end to end with the OTLP/HTTP exporter and a receiver decoding the protobuf
 * requests: attributes, propagation formats, sampling, the force header, filter spans, and a
 * backend that is down or slow.
 */
class TracingIntegrationTest {
    static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
    static final String PARENT = "b7ad6b7169203331";

    static String tracing(String endpoint, String extra) {
        return """
                tracing:
                  service_name: weir-otlp
                  exporter:
                    otlp: { endpoint: "%s", protocol: http }
                %s
                """
                .formatted(endpoint, extra.indent(2));
    }

    static String config(String upstream, String tracing) {
        return Weir.simple(upstream, "") + tracing;
    }

    /** The sampled bit of W3C trace flags (OpenTelemetry also sets 0x02, random trace id). */
    static boolean sampled(String flags) {
        return (Integer.parseInt(flags, 16) & 1) == 1;
    }

    /** A filter that only continues, named {@code name}. */
    static io.weir.spi.HttpFilterFactory passing(String name) {
        return new io.weir.spi.HttpFilterFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public io.weir.spi.HttpFilterRoot createRoot(io.weir.spi.RootContext context) {
                return ctx -> new io.weir.spi.HttpFilter() {};
            }
        };
    }

    /** Two in-test filters, {@code test.first} and {@code test.second}. */
    static io.weir.kernel.config.FilterRegistry twoFilters() {
        return io.weir.kernel.config.FilterRegistry.of(
                Map.of("test.first", passing("test.first"), "test.second", passing("test.second")));
    }

    /**
     * Weir with {@link #twoFilters} on its one listener and {@code filter_spans: true}, exporting
     * to {@code otlp} every 50 ms.
     */
    static Weir startWithFilterSpans(CapturingUpstream up, OtlpReceiver otlp) throws Exception {
        String yaml =
                """
                admin:
                  address: 127.0.0.1:0
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                      filters:
                        - name: test.first
                        - name: test.second
                      virtual_hosts:
                        - name: default
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/" }
                              route: { cluster: backend }
                clusters:
                  - name: backend
                    endpoints:
                      - address: %s
                """;
        return Weir.start(
                yaml.formatted(up.address())
                        + tracing(
                                otlp.endpoint(),
                                "filter_spans: true\nbatch: { schedule_delay: 50ms }"),
                1,
                twoFilters());
    }

    static Received one(List<Received> spans, SpanKind kind) {
        return spans.stream()
                .filter(s -> s.kind() == kind)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " in " + spans));
    }

    @Test
    void exportsServerAndClientSpansWithHttpConventionsAndServiceNameOverOtlpHttp()
            throws Exception {
        try (OtlpReceiver otlp = new OtlpReceiver();
                CapturingUpstream up = new CapturingUpstream();
                Weir w =
                        Weir.start(
                                config(
                                        up.address(),
                                        tracing(
                                                otlp.endpoint(),
                                                "batch: { schedule_delay: 50ms }")))) {
            HttpResponse<String> r =
                    get(
                            w.port(),
                            "/a/b?q=1",
                            "traceparent",
                            "00-" + TRACE + "-" + PARENT + "-01",
                            "user-agent",
                            "otlp-test");
            assertThat(r.statusCode()).isEqualTo(200);
            List<Received> spans = otlp.awaitTrace(TRACE, 2);
            Received server = one(spans, SpanKind.SPAN_KIND_SERVER);
            Received client = one(spans, SpanKind.SPAN_KIND_CLIENT);
            assertThat(server.service()).isEqualTo("weir-otlp");
            assertThat(server.name()).isEqualTo("GET");
            assertThat(server.parentSpanId()).isEqualTo(PARENT);
            assertThat(client.parentSpanId()).isEqualTo(server.spanId());
            assertThat(server.error()).isFalse();
            assertThat(server.attributes())
                    .containsEntry("http.request.method", "GET")
                    .containsEntry("url.path", "/a/b")
                    .containsEntry("url.scheme", "http")
                    .containsEntry("server.address", "127.0.0.1")
                    .containsEntry("server.port", Integer.toString(w.port()))
                    .containsEntry("network.protocol.version", "1.1")
                    .containsEntry("http.response.status_code", "200")
                    .containsEntry("client.address", "127.0.0.1")
                    .containsEntry("user_agent.original", "otlp-test")
                    .containsEntry("weir.cluster", "backend")
                    .containsKey("weir.request_id");
            assertThat(client.attributes())
                    .containsEntry("server.address", "127.0.0.1")
                    .containsEntry("http.response.status_code", "200");
            assertThat(up.next().get("traceparent"))
                    .isEqualTo("00-" + TRACE + "-" + client.spanId() + "-01");
        }
    }

    @Test
    void aFailedUpstreamMarksTheServerSpanAsAnErrorWithTheResponseFlags() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        try (OtlpReceiver otlp = new OtlpReceiver();
                Weir w =
                        Weir.start(
                                config(
                                        "127.0.0.1:" + dead,
                                        tracing(
                                                otlp.endpoint(),
                                                "batch: { schedule_delay: 50ms }")))) {
            assertThat(
                            get(w.port(), "/", "traceparent", "00-" + TRACE + "-" + PARENT + "-01")
                                    .statusCode())
                    .isEqualTo(503);
            Received server = one(otlp.awaitTrace(TRACE, 2), SpanKind.SPAN_KIND_SERVER);
            assertThat(server.error()).isTrue();
            assertThat(server.attributes())
                    .containsEntry("http.response.status_code", "503")
                    .containsEntry("weir.response_flags", "UF");
        }
    }

    @Test
    void b3MultiHeadersInContinueTheTraceAndEveryConfiguredFormatGoesOut() throws Exception {
        try (OtlpReceiver otlp = new OtlpReceiver();
                CapturingUpstream up = new CapturingUpstream();
                Weir w =
                        Weir.start(
                                config(
                                        up.address(),
                                        tracing(
                                                otlp.endpoint(),
                                                "propagation: [w3c, b3, jaeger]")))) {
            get(
                    w.port(),
                    "/",
                    "x-b3-traceid",
                    TRACE,
                    "x-b3-spanid",
                    PARENT,
                    "x-b3-parentspanid",
                    "1111111111111111",
                    "x-b3-sampled",
                    "1");
            Map<String, String> h = up.next();
            String[] tp = h.get("traceparent").split("-");
            assertThat(tp[1]).isEqualTo(TRACE);
            String child = tp[2];
            assertThat(child).isNotEqualTo(PARENT);
            assertThat(h)
                    .containsEntry("x-b3-traceid", TRACE)
                    .containsEntry("x-b3-spanid", child)
                    .containsEntry("x-b3-sampled", "1")
                    .containsEntry("b3", TRACE + "-" + child + "-1")
                    .containsEntry("uber-trace-id", TRACE + ":" + child + ":0:1")
                    .doesNotContainKey("x-b3-parentspanid"); // the client's, replaced
        }
    }

    @Test
    void b3SingleAndJaegerHeadersInContinueTheTrace() throws Exception {
        try (OtlpReceiver otlp = new OtlpReceiver();
                CapturingUpstream up = new CapturingUpstream();
                Weir w =
                        Weir.start(
                                config(
                                        up.address(),
                                        tracing(otlp.endpoint(), "propagation: [b3, jaeger]")))) {
            get(w.port(), "/", "b3", TRACE + "-" + PARENT + "-1");
            Map<String, String> h = up.next();
            assertThat(h.get("x-b3-traceid")).isEqualTo(TRACE);
            assertThat(h).doesNotContainKey("traceparent"); // w3c not configured

            String jaegerTrace = "00000000000000000000000000abcdef";
            get(w.port(), "/", "uber-trace-id", "abcdef:" + PARENT + ":0:1");
            h = up.next();
            assertThat(h.get("uber-trace-id")).startsWith(jaegerTrace + ":").endsWith(":0:1");
            assertThat(h.get("b3")).startsWith(jaegerTrace + "-");
        }
    }

    @Test
    void ratioZeroExportsNothingButStillPropagatesUnsampledAndTheForceHeaderSamples()
            throws Exception {
        try (OtlpReceiver otlp = new OtlpReceiver();
                CapturingUpstream up = new CapturingUpstream();
                Weir w =
                        Weir.start(
                                config(
                                        up.address(),
                                        tracing(
                                                otlp.endpoint(),
                                                """
                                                sampling: 0
                                                force_sample_header: x-weir-force-trace
                                                batch: { schedule_delay: 50ms }""")))) {
            get(w.port(), "/");
            String[] tp = up.next().get("traceparent").split("-");
            assertThat(sampled(tp[3])).isFalse();
            String unsampled = tp[1];

            get(w.port(), "/", "x-weir-force-trace", "yes");
            String[] forced = up.next().get("traceparent").split("-");
            assertThat(sampled(forced[3])).isTrue();
            otlp.awaitTrace(forced[1], 2);
            // exports are in order: once the forced trace is in, the unsampled one would be too
            assertThat(otlp.trace(unsampled)).isEmpty();
            assertThat(otlp.all()).allMatch(s -> s.traceId().equals(forced[1]));
        }
    }

    @Test
    void aParentsSampledFlagDecides() throws Exception {
        try (OtlpReceiver otlp = new OtlpReceiver();
                CapturingUpstream up = new CapturingUpstream();
                Weir w =
                        Weir.start(
                                config(
                                        up.address(),
                                        tracing(
                                                otlp.endpoint(),
                                                "sampling: 0\nbatch: { schedule_delay: 50ms }")))) {
            String unsampledParent = "11111111111111111111111111111111";
            get(w.port(), "/", "traceparent", "00-" + unsampledParent + "-" + PARENT + "-00");
            assertThat(up.next().get("traceparent"))
                    .startsWith("00-" + unsampledParent)
                    .endsWith("-00");
            get(w.port(), "/", "traceparent", "00-" + TRACE + "-" + PARENT + "-01");
            assertThat(up.next().get("traceparent")).endsWith("-01");
            otlp.awaitTrace(TRACE, 2); // sampled by its parent despite ratio 0
            assertThat(otlp.trace(unsampledParent)).isEmpty();
        }
    }

    @Test
    void filterSpansGiveOneInternalChildPerFilterWithItsTime() throws Exception {
        try (OtlpReceiver otlp = new OtlpReceiver();
                CapturingUpstream up = new CapturingUpstream();
                Weir w = startWithFilterSpans(up, otlp)) {
            get(w.port(), "/", "traceparent", "00-" + TRACE + "-" + PARENT + "-01");
            List<Received> spans = otlp.awaitTrace(TRACE, 4);
            Received server = one(spans, SpanKind.SPAN_KIND_SERVER);
            List<Received> internal =
                    spans.stream().filter(s -> s.kind() == SpanKind.SPAN_KIND_INTERNAL).toList();
            assertThat(internal)
                    .extracting(Received::name)
                    .containsExactly("test.first", "test.second");
            assertThat(internal).allMatch(s -> s.parentSpanId().equals(server.spanId()));
            assertThat(internal).allMatch(s -> s.attributes().containsKey("weir.filter.time_us"));
        }
    }

    /**
     * Every span of a request lies inside its SERVER span, which lasts as long as the request: the
     * kernel's times and the tracer's share one clock. Many requests, since a mismatch of less than
     * a millisecond shows only on some of them.
     */
    @Test
    void childSpansLieInsideTheirServerSpanOnEveryRequest() throws Exception {
        try (OtlpReceiver otlp = new OtlpReceiver();
                CapturingUpstream up = new CapturingUpstream();
                Weir w = startWithFilterSpans(up, otlp)) {
            int n = 40;
            for (int i = 0; i < n; i++) {
                String trace = String.format("%032x", 0x5eed0000L + i);
                assertThat(
                                get(
                                                w.port(),
                                                "/",
                                                "traceparent",
                                                "00-" + trace + "-" + PARENT + "-01")
                                        .statusCode())
                        .isEqualTo(200);
                up.next();
            }
            for (int i = 0; i < n; i++) {
                String trace = String.format("%032x", 0x5eed0000L + i);
                List<Received> spans = otlp.awaitTrace(trace, 4);
                Received server = one(spans, SpanKind.SPAN_KIND_SERVER);
                assertThat(server.endNanos())
                        .as("request %d: the SERVER span lasts", i)
                        .isGreaterThan(server.startNanos());
                for (Received c : spans) {
                    if (c != server) {
                        assertThat(c.startNanos())
                                .as("request %d: %s starts inside the SERVER span", i, c.name())
                                .isBetween(server.startNanos(), server.endNanos());
                        assertThat(c.endNanos())
                                .as("request %d: %s ends inside the SERVER span", i, c.name())
                                .isBetween(c.startNanos(), server.endNanos());
                    }
                }
                Received client = one(spans, SpanKind.SPAN_KIND_CLIENT);
                assertThat(client.endNanos())
                        .as("request %d: the CLIENT span lasts", i)
                        .isGreaterThan(client.startNanos());
            }
        }
    }

    /** A filter that asks the cluster {@code authz} (GET /check) and then lets the request on. */
    static io.weir.spi.HttpFilterFactory callingOut() {
        return new io.weir.spi.HttpFilterFactory() {
            @Override
            public String name() {
                return "test.callout";
            }

            @Override
            public io.weir.spi.HttpFilterRoot createRoot(io.weir.spi.RootContext context) {
                return ctx ->
                        new io.weir.spi.HttpFilter() {
                            @Override
                            public io.weir.spi.FilterStatus onRequestHeaders(
                                    io.weir.spi.Headers headers, boolean endOfStream) {
                                ctx.httpCall(
                                        "authz",
                                        io.weir.spi.HttpCallRequest.get("/check"),
                                        java.time.Duration.ofSeconds(2),
                                        r -> ctx.continueRequest());
                                return io.weir.spi.FilterStatus.STOP;
                            }
                        };
            }
        };
    }

    @Test
    void aCallOutGetsAClientSpanNamedAfterItsClusterAndCarriesItsContext() throws Exception {
        String yaml =
                """
                admin:
                  address: 127.0.0.1:0
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                      filters:
                        - name: test.callout
                      virtual_hosts:
                        - name: default
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/" }
                              route: { cluster: backend }
                clusters:
                  - name: backend
                    endpoints:
                      - address: %s
                  - name: authz
                    endpoints:
                      - address: %s
                """;
        try (OtlpReceiver otlp = new OtlpReceiver();
                CapturingUpstream up = new CapturingUpstream();
                CapturingUpstream authz = new CapturingUpstream();
                Weir w =
                        Weir.start(
                                yaml.formatted(up.address(), authz.address())
                                        + tracing(
                                                otlp.endpoint(), "batch: { schedule_delay: 50ms }"),
                                1,
                                io.weir.kernel.config.FilterRegistry.of(
                                        Map.of("test.callout", callingOut())))) {
            assertThat(
                            get(w.port(), "/", "traceparent", "00-" + TRACE + "-" + PARENT + "-01")
                                    .statusCode())
                    .isEqualTo(200);
            List<Received> spans = otlp.awaitTrace(TRACE, 3);
            Received server = one(spans, SpanKind.SPAN_KIND_SERVER);
            List<Received> clients =
                    spans.stream().filter(s -> s.kind() == SpanKind.SPAN_KIND_CLIENT).toList();
            Received callout =
                    clients.stream()
                            .filter(s -> s.name().contains("authz"))
                            .findFirst()
                            .orElseThrow(() -> new AssertionError("no call-out span in " + spans));
            assertThat(callout.parentSpanId()).isEqualTo(server.spanId());
            assertThat(authz.next().get("traceparent"))
                    .isEqualTo("00-" + TRACE + "-" + callout.spanId() + "-01");
            Received upstream =
                    clients.stream().filter(s -> s != callout).findFirst().orElseThrow();
            assertThat(up.next().get("traceparent"))
                    .isEqualTo("00-" + TRACE + "-" + upstream.spanId() + "-01");
        }
    }

    @Test
    void aBackendThatRefusesConnectionsNeitherSlowsNorFailsRequestsAndIsCounted() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        try (CapturingUpstream up = new CapturingUpstream();
                Weir w =
                        Weir.start(
                                config(
                                        up.address(),
                                        tracing(
                                                "http://127.0.0.1:" + dead + "/v1/traces",
                                                "batch: { schedule_delay: 20ms, export_timeout: 500ms }")))) {
            assertServedQuickly(w, 20);
            awaitAtLeast(w, "weir_tracing_export_failures_total", 1);
            awaitAtLeast(w, "weir_tracing_spans_dropped_total", 1);
        }
    }

    @Test
    void aBackendThatNeverAnswersNeitherSlowsNorFailsRequestsAndDropsAreCounted() throws Exception {
        try (OtlpReceiver otlp = new OtlpReceiver().slow();
                CapturingUpstream up = new CapturingUpstream();
                Weir w =
                        Weir.start(
                                config(
                                        up.address(),
                                        tracing(
                                                otlp.endpoint(),
                                                """
                                                batch:
                                                  max_queue_size: 4
                                                  max_export_batch_size: 2
                                                  schedule_delay: 20ms
                                                  export_timeout: 300ms""")))) {
            assertServedQuickly(w, 40);
            // 80 spans against a queue of 4 behind a backend that never answers
            awaitAtLeast(w, "weir_tracing_spans_dropped_total", 40);
            awaitAtLeast(w, "weir_tracing_export_failures_total", 1);
            assertThat(otlp.all()).isEmpty();
        }
    }

    @Test
    void theGrpcExporterLoadsItsSenderAndCountsAFailedExport() throws Exception {
        // the gRPC sender is wired: an export is attempted and fails
        // against a refused port (OtlpGrpcExportIntegrationTest exports to a real gRPC receiver)
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        try (CapturingUpstream up = new CapturingUpstream();
                Weir w =
                        Weir.start(
                                config(
                                        up.address(),
                                        """
                                        tracing:
                                          exporter:
                                            otlp: { endpoint: "http://127.0.0.1:%d", protocol: grpc }
                                          batch: { schedule_delay: 20ms, export_timeout: 500ms }
                                        """
                                                .formatted(dead)))) {
            assertServedQuickly(w, 5);
            awaitAtLeast(w, "weir_tracing_export_failures_total", 1);
        }
    }

    static void assertServedQuickly(Weir w, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            assertThat(get(w.port(), "/").statusCode()).isEqualTo(200);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0))
                    .as("request %d", i)
                    .isLessThan(250);
        }
    }

    /**
     * Polls a stat until it reaches {@code min} (10 s deadline), for exports on their own thread.
     */
    static void awaitAtLeast(Weir w, String series, double min) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        double v = w.stat(series);
        while (v < min && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            v = w.stat(series);
        }
        assertThat(v).as(series).isGreaterThanOrEqualTo(min);
    }
}
