package io.weir.kernel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.config.WeirConfig.IstioMetricsConfig;
import io.weir.kernel.stats.IstioMetrics;
import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code /stats/prometheus}: formats by {@code accept}, JVM metrics, Istio metrics. */
@ExtendWith(NettyLeakCheck.class)
class MetricsEndpointIntegrationTest {
    private static String config(String upstream, String direction) {
        return """
                admin: { address: 127.0.0.1:0 }
                observability:
                  istio_metrics: { workload: front, namespace: shop }
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    traffic_direction: %s
                    http:
                      virtual_hosts:
                        - name: default
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/api" }
                              route: { cluster: backend }
                clusters:
                  - name: backend
                    endpoints: [{ address: "%s" }]
                """
                .formatted(direction, upstream);
    }

    private static RawClient.Response scrape(Weir weir, String accept) throws Exception {
        try (RawClient c = new RawClient(weir.adminPort())) {
            c.send(
                    "GET /stats/prometheus HTTP/1.1\r\nHost: admin\r\n"
                            + (accept == null ? "" : "Accept: " + accept + "\r\n")
                            + "\r\n");
            return c.read();
        }
    }

    @Test
    void answersPrometheusTextByDefaultAndOpenMetricsWhenAccepted() throws Exception {
        try (TestUpstream up = new TestUpstream();
                Weir weir = Weir.start(config(up.address(), "inbound"))) {
            RawClient.Response text = scrape(weir, null);
            assertThat(text.header("content-type"))
                    .isEqualTo("text/plain; version=0.0.4; charset=utf-8");
            assertThat(text.body())
                    .contains("# TYPE process_cpu_seconds_total counter\n")
                    .contains("jvm_memory_used_bytes{area=\"heap\"} ")
                    .contains("jvm_memory_used_bytes{area=\"nonheap\"} ")
                    .contains("# TYPE jvm_gc_collection_seconds summary\n")
                    .containsPattern("\njvm_threads_current [1-9]")
                    .containsPattern("\nprocess_start_time_seconds [1-9]")
                    .containsPattern("\nprocess_resident_memory_bytes [1-9]")
                    .containsPattern("\nprocess_open_fds [1-9]")
                    .containsPattern("\nprocess_max_fds [1-9]")
                    .containsPattern("\nprocess_virtual_memory_bytes [1-9]")
                    .doesNotContain("# EOF");
            RawClient.Response om =
                    scrape(
                            weir,
                            "application/openmetrics-text;version=1.0.0,text/plain;q=0.5,*/*;q=0.1");
            assertThat(om.header("content-type"))
                    .isEqualTo("application/openmetrics-text; version=1.0.0; charset=utf-8");
            assertThat(om.body())
                    .contains("# TYPE process_cpu_seconds counter\n")
                    .contains("# TYPE weir_http_downstream_rq counter\n")
                    .endsWith("# EOF\n");
        }
    }

    @Test
    void countsEveryFinishedRequestIncludingLocalReplies() throws Exception {
        try (TestUpstream up = new TestUpstream();
                Weir weir = Weir.start(config(up.address(), "outbound"))) {
            try (RawClient c = new RawClient(weir.port())) {
                c.send("GET /api HTTP/1.1\r\nHost: catalog.shop.svc.cluster.local\r\n\r\n");
                assertThat(c.read().status()).isEqualTo(200);
                c.send("GET /nothing HTTP/1.1\r\nHost: catalog.shop.svc.cluster.local\r\n\r\n");
                assertThat(c.read().status()).isEqualTo(404);
            }
            String tuple =
                    "istio_requests_total{reporter=\"source\",source_workload=\"front\","
                            + "source_workload_namespace=\"shop\",source_principal=\"unknown\","
                            + "source_app=\"unknown\",source_version=\"unknown\","
                            + "source_cluster=\"unknown\",destination_workload=\"unknown\","
                            + "destination_workload_namespace=\"unknown\","
                            + "destination_principal=\"unknown\",destination_app=\"unknown\","
                            + "destination_version=\"unknown\","
                            + "destination_service=\"catalog.shop.svc.cluster.local\","
                            + "destination_service_name=\"catalog\","
                            + "destination_service_namespace=\"shop\","
                            + "destination_cluster=\"unknown\",request_protocol=\"http\",";
            String notFound =
                    tuple
                            + "response_code=\"404\",grpc_response_status=\"\","
                            + "response_flags=\"NR\",connection_security_policy=\"unknown\"}";
            weir.awaitStat(notFound, 1); // counted as the stream ends, just after the 404 went out
            String body = scrape(weir, null).body();
            assertThat(body)
                    .contains(
                            tuple
                                    + "response_code=\"200\",grpc_response_status=\"\","
                                    + "response_flags=\"-\",connection_security_policy=\"unknown\"} 1\n")
                    .contains(notFound + " 1\n");
        }
    }

    @Test
    void theIdentityComesFromConfigThenFromThePodEnvironmentThenIsUnknown() {
        IstioMetricsConfig none = new IstioMetricsConfig(null, null, null, null, null, null);
        assertThat(
                        WeirServer.istioIdentity(
                                none,
                                Map.of(
                                        "POD_NAME", "reviews-v2-7d8f9c6b5d-x7k2p",
                                        "POD_NAMESPACE", "bookinfo")))
                .isEqualTo(
                        new IstioMetrics.Identity(
                                "reviews-v2",
                                "bookinfo",
                                "unknown",
                                "unknown",
                                "unknown",
                                "unknown"));
        assertThat(
                        WeirServer.istioIdentity(
                                new IstioMetricsConfig("w", "ns", "a", "v", "c", "s.ns.svc"),
                                Map.of("POD_NAME", "x-7d8f9c6b5d-abcde", "POD_NAMESPACE", "y")))
                .isEqualTo(new IstioMetrics.Identity("w", "ns", "a", "v", "c", "s.ns.svc"));
        assertThat(WeirServer.istioIdentity(none, Map.of()).workload()).isEqualTo("unknown");
    }
}
