package io.weir.kernel.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus (the Debian package's {@code prometheus} 2.42, installed by {@code .ci/test})
 * scrapes Weir's admin and answers queries about known traffic.
 */
@EnabledIf(
        value = "prometheusInstalled",
        disabledReason =
                "needs the prometheus binary on the PATH (Debian package prometheus, which"
                        + " .ci/test installs); skipped on a machine without it")
class PrometheusScrapeIntegrationTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    @TempDir Path dir;

    private Process prometheus;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static boolean prometheusInstalled() {
        return onPath("prometheus") && onPath("promtool");
    }

    private static boolean onPath(String binary) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, binary))) {
                return true;
            }
        }
        return false;
    }

    @AfterEach
    void stopPrometheus() throws Exception {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static String config(String upstream) {
        return """
                admin:
                  address: 127.0.0.1:0
                observability:
                  istio_metrics:
                    workload: reviews-v1
                    namespace: bookinfo
                    app: reviews
                    version: v1
                    mesh_cluster: cluster-1
                    service: reviews.bookinfo.svc.cluster.local
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                      virtual_hosts:
                        - name: default
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/ok" }
                              route: { cluster: backend }
                            - match: { prefix: "/dead" }
                              route: { cluster: dead }
                clusters:
                  - name: backend
                    endpoints: [{ address: "%s" }]
                  - name: dead
                    endpoints: [{ address: "nowhere.invalid:80" }]
                """
                .formatted(upstream);
    }

    private static int get(Weir weir, String path) throws IOException {
        try (RawClient c = new RawClient(weir.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: reviews\r\n\r\n");
            return c.read().status();
        }
    }

    @Test
    void prometheusScrapesIstioAndWeirMetricsOfKnownTraffic() throws Exception {
        try (TestUpstream up = new TestUpstream();
                Weir weir = Weir.start(config(up.address()))) {
            // a traced value, as the tracer leaves it: its exemplar must reach Prometheus
            weir.server
                    .stats()
                    .histogram(
                            "weir_test_traced_ms",
                            "Test histogram with an exemplar",
                            Stats.DEFAULT_MS_BUCKETS)
                    .record(
                            weir.server.stats().otherSlot(),
                            7,
                            TRACE_ID,
                            System.currentTimeMillis());
            int promPort = startPrometheus(weir.adminPort());
            awaitReady(promPort);
            awaitQuery(promPort, "up{job=\"weir\"}", 1);

            for (int i = 0; i < 7; i++) {
                assertThat(get(weir, "/ok/" + i)).isEqualTo(200);
            }
            for (int i = 0; i < 3; i++) {
                assertThat(get(weir, "/missing")).isEqualTo(404);
            }
            for (int i = 0; i < 2; i++) {
                assertThat(get(weir, "/dead")).isEqualTo(503);
            }
            assertThat(weir.awaitStat("weir_http_downstream_rq_total{listener=\"ingress\"}", 12))
                    .isEqualTo(12);

            awaitQuery(promPort, "sum(istio_requests_total)", 12);
            assertThat(query(promPort, "istio_requests_total{response_code=\"200\"}")).isEqualTo(7);
            assertThat(
                            query(
                                    promPort,
                                    "istio_requests_total{response_code=\"404\",response_flags=\"NR\"}"))
                    .isEqualTo(3);
            assertThat(
                            query(
                                    promPort,
                                    "istio_requests_total{response_code=\"503\",response_flags=\"UH\"}"))
                    .isEqualTo(2);
            assertThat(
                            query(
                                    promPort,
                                    "sum(istio_requests_total{reporter=\"destination\","
                                            + "destination_workload=\"reviews-v1\","
                                            + "destination_workload_namespace=\"bookinfo\","
                                            + "destination_app=\"reviews\","
                                            + "destination_version=\"v1\","
                                            + "destination_cluster=\"cluster-1\","
                                            + "destination_service=\"reviews.bookinfo.svc.cluster.local\","
                                            + "destination_service_name=\"reviews\","
                                            + "source_workload=\"unknown\","
                                            + "connection_security_policy=\"none\","
                                            + "request_protocol=\"http\"})"))
                    .isEqualTo(12);
            assertThat(query(promPort, "sum(istio_request_duration_milliseconds_count)"))
                    .isEqualTo(12);
            assertThat(
                            query(
                                    promPort,
                                    "istio_request_duration_milliseconds_bucket{response_code=\"200\",le=\"+Inf\"}"))
                    .isEqualTo(7);
            assertThat(query(promPort, "sum(istio_response_bytes_count)")).isEqualTo(12);
            // Weir's own series, as scraped, agree with the same traffic
            assertThat(query(promPort, "weir_http_downstream_rq_total{listener=\"ingress\"}"))
                    .isEqualTo(12);
            assertThat(
                            query(
                                    promPort,
                                    "weir_http_downstream_rq_xx{listener=\"ingress\",code_class=\"2xx\"}"))
                    .isEqualTo(7);
            assertThat(query(promPort, "weir_http_no_route{listener=\"ingress\"}")).isEqualTo(3);
            assertThat(query(promPort, "weir_http_downstream_rq_time_count{listener=\"ingress\"}"))
                    .isEqualTo(12);
            // JVM and process metrics under client_java's names
            assertThat(query(promPort, "jvm_memory_used_bytes{area=\"heap\"}")).isPositive();
            assertThat(query(promPort, "process_open_fds")).isPositive();
            // Prometheus asks for OpenMetrics first: the exemplar came with it
            String exemplars =
                    api(
                            promPort,
                            "/api/v1/query_exemplars?query="
                                    + enc("weir_test_traced_ms_bucket")
                                    + "&start=0&end="
                                    + (System.currentTimeMillis() / 1000 + 60));
            assertThat(exemplars).contains("\"trace_id\":\"" + TRACE_ID + "\"");
        }
    }

    @Test
    void bothFormatsParseWithPromtool() throws Exception {
        try (TestUpstream up = new TestUpstream();
                Weir weir = Weir.start(config(up.address()))) {
            assertThat(get(weir, "/ok")).isEqualTo(200);
            assertThat(get(weir, "/dead")).isEqualTo(503);
            weir.awaitStat("weir_http_downstream_rq_total{listener=\"ingress\"}", 2);
            String text = scrape(weir, null);
            assertThat(promtool(text)).doesNotContain("error while linting", "parsing error");
            String om = scrape(weir, "application/openmetrics-text;version=1.0.0");
            assertThat(om).endsWith("# EOF\n");
        }
    }

    private String scrape(Weir weir, String accept) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + weir.adminPort() + "/stats/prometheus"));
        if (accept != null) {
            b.header("Accept", accept);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** {@code promtool check metrics}' output: lint hints are fine, a parse error is not. */
    private String promtool(String exposition) throws Exception {
        Process p =
                new ProcessBuilder("promtool", "check", "metrics")
                        .redirectErrorStream(true)
                        .start();
        p.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    private int startPrometheus(int adminPort) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path cfg = dir.resolve("prometheus.yml");
        Files.writeString(
                cfg,
                """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                  - job_name: weir
                    metrics_path: /stats/prometheus
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                """
                        .formatted(adminPort));
        prometheus =
                new ProcessBuilder(
                                "prometheus",
                                "--config.file=" + cfg,
                                "--storage.tsdb.path=" + dir.resolve("data"),
                                "--web.listen-address=127.0.0.1:" + port,
                                "--enable-feature=exemplar-storage")
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("prometheus.log").toFile())
                        .start();
        return port;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private String api(int port, String pathAndQuery) throws Exception {
        HttpRequest req =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                        .timeout(Duration.ofSeconds(5))
                        .build();
        return http.send(req, HttpResponse.BodyHandlers.ofString()).body();
    }

    private static final Pattern VALUE = Pattern.compile("\"value\":\\[[0-9.]+,\"([^\"]+)\"\\]");

    /** The value of a query's single series; NaN when the result is empty. */
    private double query(int port, String promql) throws Exception {
        String body = api(port, "/api/v1/query?query=" + enc(promql));
        assertThat(body).contains("\"status\":\"success\"");
        Matcher m = VALUE.matcher(body);
        if (!m.find()) {
            return Double.NaN;
        }
        double v = Double.parseDouble(m.group(1));
        assertThat(m.find()).as("a single series for %s: %s", promql, body).isFalse();
        return v;
    }

    /**
     * Waits until Prometheus answers {@code /-/ready} with 200: while it starts (opening its
     * storage) its API answers 503, which is not yet an answer to a query.
     */
    private void awaitReady(int port) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            try {
                HttpRequest req =
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready"))
                                .timeout(Duration.ofSeconds(5))
                                .build();
                last = http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
                if (last == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            assertThat(prometheus.isAlive()).as("prometheus exited: %s", log()).isTrue();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        throw new AssertionError("prometheus not ready (last status " + last + "): " + log());
    }

    /** Polls Prometheus until {@code promql} is {@code expected} (scrapes run every second). */
    private void awaitQuery(int port, String promql, double expected) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        double last = Double.NaN;
        Exception lastError = null;
        while (System.nanoTime() < deadline) {
            try {
                last = query(port, promql);
                lastError = null;
                if (last == expected) {
                    return;
                }
            } catch (IOException e) {
                lastError = e; // not listening yet
            }
            assertThat(prometheus.isAlive()).as("prometheus exited: %s", log()).isTrue();
            // paces the polling of an external server (its scrapes run every second)
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        throw new AssertionError(
                "prometheus: "
                        + promql
                        + " was "
                        + last
                        + " not "
                        + expected
                        + " within "
                        + DEADLINE
                        + (lastError != null ? " (" + lastError + ")" : "")
                        + "\n"
                        + log());
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("prometheus.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
