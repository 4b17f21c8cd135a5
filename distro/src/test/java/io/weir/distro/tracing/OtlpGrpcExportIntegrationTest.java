package io.weir.distro.tracing;

import static io.weir.distro.tracing.TracingIntegrationTest.PARENT;
import static io.weir.distro.tracing.TracingIntegrationTest.TRACE;
import static io.weir.distro.tracing.TracingIntegrationTest.assertServedQuickly;
import static io.weir.distro.tracing.TracingIntegrationTest.awaitAtLeast;
import static io.weir.distro.tracing.TracingIntegrationTest.config;
import static io.weir.distro.tracing.TracingIntegrationTest.one;
import static io.weir.distro.tracing.ZipkinTwoHopIntegrationTest.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.weir.distro.tracing.OtlpGrpcReceiver.Call;
import io.weir.distro.tracing.ReceivedSpans.Received;
import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.Weir;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Weir's OTLP/gRPC exporter ({@code protocol: grpc}) against a real gRPC receiver on Netty's HTTP/2
 * codec ({@link OtlpGrpcReceiver}): spans arrive as well-formed gRPC exports, and a receiver
 * answering UNAVAILABLE or never answering neither slows nor fails requests and is counted.
 */
@ExtendWith(NettyLeakCheck.class)
class OtlpGrpcExportIntegrationTest {
    static final String EXPORTED = "weir_tracing_spans_exported_total";
    static final String FAILURES = "weir_tracing_export_failures_total";
    static final String DROPPED = "weir_tracing_spans_dropped_total";

    static String grpcTracing(String endpoint, String extra) {
        return """
                tracing:
                  service_name: weir-otlp-grpc
                  exporter:
                    otlp: { endpoint: "%s", protocol: grpc }
                %s
                """
                .formatted(endpoint, extra.indent(2));
    }

    /**
     * One untimed request: the first in a fresh JVM pays for class loading in the test's client and
     * on Weir's request path (about 0.5 s here), before its span is even queued for export.
     */
    static void warmUp(Weir w) throws Exception {
        assertThat(get(w.port(), "/").statusCode()).isEqualTo(200);
    }

    @Test
    void serverAndClientSpansArriveAsWellFormedGrpcExportsAndAreCountedAsExported()
            throws Exception {
        try (OtlpGrpcReceiver grpc = new OtlpGrpcReceiver();
                CapturingUpstream up = new CapturingUpstream();
                Weir w =
                        Weir.start(
                                config(
                                        up.address(),
                                        grpcTracing(
                                                grpc.endpoint(),
                                                "batch: { schedule_delay: 50ms }")))) {
            HttpResponse<String> r =
                    get(
                            w.port(),
                            "/a/b?q=1",
                            "traceparent",
                            "00-" + TRACE + "-" + PARENT + "-01",
                            "user-agent",
                            "otlp-grpc-test");
            assertThat(r.statusCode()).isEqualTo(200);
            List<Received> spans = grpc.awaitTrace(TRACE, 2);
            Received server = one(spans, SpanKind.SPAN_KIND_SERVER);
            Received client = one(spans, SpanKind.SPAN_KIND_CLIENT);
            assertThat(server.service()).isEqualTo("weir-otlp-grpc");
            assertThat(server.name()).isEqualTo("GET");
            assertThat(server.parentSpanId()).isEqualTo(PARENT);
            assertThat(client.parentSpanId()).isEqualTo(server.spanId());
            assertThat(server.error()).isFalse();
            assertThat(server.attributes())
                    .containsEntry("http.request.method", "GET")
                    .containsEntry("url.path", "/a/b")
                    .containsEntry("server.port", Integer.toString(w.port()))
                    .containsEntry("http.response.status_code", "200")
                    .containsEntry("user_agent.original", "otlp-grpc-test")
                    .containsEntry("weir.cluster", "backend")
                    .containsKey("weir.request_id");
            assertThat(client.attributes())
                    .containsEntry("server.address", "127.0.0.1")
                    .containsEntry("http.response.status_code", "200");
            assertThat(up.next().get("traceparent"))
                    .isEqualTo("00-" + TRACE + "-" + client.spanId() + "-01");

            // counted once the receiver's answer (grpc-status 0) is read
            awaitAtLeast(w, EXPORTED, 2);
            assertThat(grpc.all()).hasSize(2);
            assertThat(w.stat(EXPORTED)).isEqualTo(2);
            assertThat(w.stat(FAILURES)).isZero();
            assertThat(grpc.rejections()).isEmpty();
            assertThat(grpc.calls())
                    .isNotEmpty()
                    .allSatisfy(
                            c -> {
                                assertThat(c.method()).isEqualTo("POST");
                                assertThat(c.path()).isEqualTo(OtlpGrpcReceiver.PATH);
                                assertThat(c.contentType()).isEqualTo("application/grpc");
                                assertThat(c.te()).isEqualTo("trailers");
                                assertThat(c.grpcEncoding()).isNull(); // no compression configured
                                assertThat(c.messages()).isEqualTo(1);
                            });
        }
    }

    @Test
    void aReceiverAnsweringUnavailableNeitherSlowsNorFailsRequestsAndFailuresAreCounted()
            throws Exception {
        try (OtlpGrpcReceiver grpc = new OtlpGrpcReceiver().unavailable();
                CapturingUpstream up = new CapturingUpstream();
                Weir w =
                        Weir.start(
                                config(
                                        up.address(),
                                        grpcTracing(
                                                grpc.endpoint(),
                                                "batch: { schedule_delay: 20ms, export_timeout: 500ms }")))) {
            warmUp(w);
            assertServedQuickly(w, 20);
            List<Call> calls = grpc.awaitCalls(1);
            awaitAtLeast(w, FAILURES, 1);
            awaitAtLeast(w, DROPPED, 2);
            assertThat(w.stat(EXPORTED)).isZero();
            assertThat(grpc.all()).isEmpty();
            // the exports reached the receiver well formed: UNAVAILABLE was the answer, not a
            // refused connection or a rejected request
            assertThat(grpc.rejections()).isEmpty();
            assertThat(calls).allMatch(c -> c.path().equals(OtlpGrpcReceiver.PATH));
        }
    }

    @Test
    void aReceiverThatNeverAnswersNeitherSlowsNorFailsRequestsAndFailsTheExportAtItsTimeout()
            throws Exception {
        try (OtlpGrpcReceiver grpc = new OtlpGrpcReceiver().silent();
                CapturingUpstream up = new CapturingUpstream();
                Weir w =
                        Weir.start(
                                config(
                                        up.address(),
                                        grpcTracing(
                                                grpc.endpoint(),
                                                "batch: { schedule_delay: 20ms, export_timeout: 500ms }")))) {
            long t0 = System.nanoTime();
            warmUp(w);
            assertServedQuickly(w, 20);
            grpc.awaitCalls(1);
            awaitAtLeast(w, FAILURES, 1);
            // the configured 500 ms, not OpenTelemetry's default of 10 s, ended the first export
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5000);
            awaitAtLeast(w, DROPPED, 2);
            assertThat(w.stat(EXPORTED)).isZero();
            assertThat(grpc.all()).isEmpty();
            assertThat(grpc.rejections()).isEmpty();
        }
    }
}
