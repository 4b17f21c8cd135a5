package io.weir.distro.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.testing.Weir;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A request with a {@code traceparent} through two Weirs (client → A → B → upstream), each
 * exporting to a real Zipkin server: the upstream sees the same trace with a new parent, and Zipkin
 * holds A's and B's SERVER and CLIENT spans chained parent to child.
 */
class ZipkinTwoHopIntegrationTest {
    private static ZipkinServer zipkin;

    @BeforeAll
    static void startZipkin() throws Exception {
        zipkin = ZipkinServer.start();
    }

    @AfterAll
    static void stopZipkin() {
        if (zipkin != null) {
            zipkin.close();
        }
    }

    static String tracing(String service, String endpoint) {
        return """
                tracing:
                  service_name: %s
                  propagation: [w3c]
                  exporter:
                    zipkin: { endpoint: "%s" }
                  batch: { schedule_delay: 50ms, export_timeout: 5s }
                """
                .formatted(service, endpoint);
    }

    static HttpResponse<String> get(int port, String path, String... headers) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .build()
                .send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> span(List<Map<String, Object>> spans, String service, String kind) {
        return spans.stream()
                .filter(
                        s ->
                                kind.equals(s.get("kind"))
                                        && service.equals(
                                                ((Map<String, Object>) s.get("localEndpoint"))
                                                        .get("serviceName")))
                .findFirst()
                .orElseThrow(
                        () -> new AssertionError("no " + service + " " + kind + " in " + spans));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> tags(Map<String, Object> span) {
        return (Map<String, Object>) span.get("tags");
    }

    @Test
    void twoHopsShareOneTraceAndZipkinHoldsTheChainOfSpans() throws Exception {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String incomingSpan = "00f067aa0ba902b7";
        try (CapturingUpstream up = new CapturingUpstream();
                Weir b =
                        Weir.start(
                                Weir.simple(up.address(), "")
                                        + tracing("weir-b", zipkin.spansEndpoint()));
                Weir a =
                        Weir.start(
                                Weir.simple("127.0.0.1:" + b.port(), "")
                                        + tracing("weir-a", zipkin.spansEndpoint()))) {
            HttpResponse<String> r =
                    get(
                            a.port(),
                            "/orders/7?x=1",
                            "traceparent",
                            "00-" + traceId + "-" + incomingSpan + "-01",
                            "user-agent",
                            "two-hop-test");
            assertThat(r.statusCode()).isEqualTo(200);

            Map<String, String> seen = up.next();
            String[] tp = seen.get("traceparent").split("-");
            assertThat(tp[1]).isEqualTo(traceId);
            assertThat(tp[2]).isNotEqualTo(incomingSpan).hasSize(16);
            assertThat(tp[3]).isEqualTo("01");

            List<Map<String, Object>> spans = zipkin.awaitTrace(traceId, 4);
            assertThat(spans).hasSize(4);
            Map<String, Object> aServer = span(spans, "weir-a", "SERVER");
            Map<String, Object> aClient = span(spans, "weir-a", "CLIENT");
            Map<String, Object> bServer = span(spans, "weir-b", "SERVER");
            Map<String, Object> bClient = span(spans, "weir-b", "CLIENT");
            assertThat(aServer.get("parentId")).isEqualTo(incomingSpan);
            assertThat(aClient.get("parentId")).isEqualTo(aServer.get("id"));
            assertThat(bServer.get("parentId")).isEqualTo(aClient.get("id"));
            assertThat(bClient.get("parentId")).isEqualTo(bServer.get("id"));
            assertThat(tp[2]).isEqualTo(bClient.get("id"));

            assertThat(tags(aServer))
                    .containsEntry("http.request.method", "GET")
                    .containsEntry("url.path", "/orders/7")
                    .containsEntry("url.scheme", "http")
                    .containsEntry("http.response.status_code", "200")
                    .containsEntry("user_agent.original", "two-hop-test")
                    .containsEntry("client.address", "127.0.0.1")
                    .containsEntry("network.protocol.version", "1.1")
                    .containsEntry("weir.cluster", "backend")
                    .containsKey("weir.request_id");
            assertThat(tags(bClient))
                    .containsEntry("server.address", "127.0.0.1")
                    .containsEntry("server.port", up.address().substring("127.0.0.1:".length()))
                    .containsEntry("http.response.status_code", "200");
            // x-request-id is kept across the hops: B's span carries A's id
            assertThat(tags(bServer).get("weir.request_id"))
                    .isEqualTo(tags(aServer).get("weir.request_id"));
            assertThat(seen.get("x-request-id")).isEqualTo(tags(aServer).get("weir.request_id"));
        }
    }
}
