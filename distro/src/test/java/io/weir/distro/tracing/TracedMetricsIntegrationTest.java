package io.weir.distro.tracing;

import static io.weir.distro.tracing.ZipkinTwoHopIntegrationTest.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.Weir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tracing and the metrics and access log that read its trace id, together in one Weir: a sampled
 * request's trace id reaches the access log and the OpenMetrics exemplars of the duration
 * histograms; an unsampled one leaves no trace id anywhere.
 */
class TracedMetricsIntegrationTest {
    static final String SAMPLED = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String UNSAMPLED = "5c0a1e2f3a4b5c6d7e8f90a1b2c3d4e5";

    @TempDir Path dir;

    static String yaml(String upstream, Path log, String otlp) {
        return """
                admin: { address: 127.0.0.1:0 }
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                      access_log:
                        - path: %s
                          format: json
                      virtual_hosts:
                        - name: default
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/" }
                              route: { cluster: backend, timeout: 5s }
                clusters:
                  - name: backend
                    connect_timeout: 1s
                    endpoints:
                      - address: %s
                observability:
                  istio_metrics: { workload: shop-v1, namespace: demo }
                tracing:
                  service_name: weir-metrics
                  exporter:
                    otlp: { endpoint: "%s", protocol: http }
                  batch: { schedule_delay: 50ms }
                """
                .formatted(log, upstream, otlp);
    }

    static String openMetrics(Weir w) throws Exception {
        try (RawClient c = new RawClient(w.adminPort())) {
            c.send(
                    "GET /stats/prometheus HTTP/1.1\r\nHost: admin\r\n"
                            + "Accept: application/openmetrics-text; version=1.0.0\r\n\r\n");
            return c.read().body();
        }
    }

    static List<String> awaitLines(Path log, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)) {
                List<String> lines = Files.readAllLines(log);
                if (lines.size() >= n) {
                    return lines;
                }
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("fewer than " + n + " access log lines in " + log);
    }

    @Test
    void aSampledRequestsTraceIdIsInTheAccessLogAndTheExemplarsAndAnUnsampledOnesIsNowhere()
            throws Exception {
        Path log = dir.resolve("access.json");
        try (OtlpReceiver otlp = new OtlpReceiver();
                CapturingUpstream up = new CapturingUpstream();
                Weir w = Weir.start(yaml(up.address(), log, otlp.endpoint()))) {
            assertThat(
                            get(
                                            w.port(),
                                            "/one",
                                            "traceparent",
                                            "00-" + SAMPLED + "-b7ad6b7169203331-01")
                                    .statusCode())
                    .isEqualTo(200);
            otlp.awaitTrace(SAMPLED, 2);
            List<String> lines = awaitLines(log, 1);
            assertThat(lines.get(0)).contains("\"trace_id\":\"" + SAMPLED + "\"");

            String om = openMetrics(w);
            assertThat(om).endsWith("# EOF\n");
            assertThat(
                            om.lines()
                                    .filter(
                                            l ->
                                                    l.startsWith(
                                                            "istio_request_duration_milliseconds_bucket")))
                    .anyMatch(l -> l.contains("# {trace_id=\"" + SAMPLED + "\"}"));
            assertThat(om.lines().filter(l -> l.startsWith("weir_http_downstream_rq_time")))
                    .anyMatch(l -> l.contains("# {trace_id=\"" + SAMPLED + "\"}"));
            assertThat(om).contains("destination_workload=\"shop-v1\"");

            // unsampled (flags 00): traced context passes on, but no trace id is recorded
            assertThat(
                            get(
                                            w.port(),
                                            "/two",
                                            "traceparent",
                                            "00-" + UNSAMPLED + "-b7ad6b7169203331-00")
                                    .statusCode())
                    .isEqualTo(200);
            lines = awaitLines(log, 2);
            assertThat(lines.get(1)).contains("\"trace_id\":null").doesNotContain(UNSAMPLED);
            assertThat(openMetrics(w)).doesNotContain(UNSAMPLED);
            // the plain text format carries no exemplars at all
            assertThat(w.admin("GET", "/stats/prometheus").body()).doesNotContain("trace_id");
        }
    }
}
