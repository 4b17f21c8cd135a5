package io.weir.kernel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.config.ConfigLoader;
import io.weir.kernel.config.WeirConfig;
import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The admin endpoints of a real, serving Weir (two workers) after real traffic. */
@ExtendWith(NettyLeakCheck.class)
class AdminEndpointsIntegrationTest {
    private static final int OK_REQUESTS = 5;
    private static final int NO_ROUTE_REQUESTS = 2;

    private static TestUpstream up;
    private static Weir weir;

    @BeforeAll
    static void start() throws Exception {
        up = new TestUpstream("a");
        weir =
                Weir.start(
                        """
                        admin: { address: 127.0.0.1:0 }
                        listeners:
                          - name: ingress
                            address: 127.0.0.1:0
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
                                .formatted(up.address()),
                        2);
        try (RawClient c = new RawClient(weir.port())) {
            for (int i = 0; i < OK_REQUESTS; i++) {
                c.send("GET /api/" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(c.read().status()).isEqualTo(200);
            }
            for (int i = 0; i < NO_ROUTE_REQUESTS; i++) {
                c.send("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(c.read().status()).isEqualTo(404);
            }
        }
    }

    @AfterAll
    static void stop() {
        weir.close();
        up.close();
    }

    @Test
    void readyIs200Live() throws Exception {
        RawClient.Response r = weir.admin("GET", "/ready");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("LIVE\n");
    }

    @Test
    void prometheusStatsCountTheRequestsSent() throws Exception {
        RawClient.Response r = weir.admin("GET", "/stats/prometheus");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("content-type")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        assertThat(r.body().split("\n"))
                .contains(
                        "weir_http_downstream_rq_total{listener=\"ingress\"} "
                                + (OK_REQUESTS + NO_ROUTE_REQUESTS),
                        "weir_cluster_upstream_rq_xx{cluster=\"backend\",code_class=\"2xx\"} "
                                + OK_REQUESTS,
                        "weir_cluster_upstream_rq_total{cluster=\"backend\"} " + OK_REQUESTS,
                        "weir_http_no_route{listener=\"ingress\"} " + NO_ROUTE_REQUESTS,
                        "weir_cluster_upstream_cx_total{cluster=\"backend\"} 1",
                        "weir_server_concurrency 2");
        assertThat(r.body()).contains("# TYPE weir_http_downstream_rq_total counter\n");
    }

    @Test
    void textStatsShowTheSameCounts() throws Exception {
        RawClient.Response r = weir.admin("GET", "/stats?filter=downstream_rq_total");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body())
                .isEqualTo(
                        "weir_http_downstream_rq_total{listener=\"ingress\"}: "
                                + (OK_REQUESTS + NO_ROUTE_REQUESTS)
                                + "\n");
    }

    @Test
    void configDumpIsJsonThatLoadsBackToTheSameClusters() throws Exception {
        RawClient.Response r = weir.admin("GET", "/config_dump");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("content-type")).isEqualTo("application/json");
        assertThat(r.body()).startsWith("{").contains("\"backend\"").contains(up.address());
        // JSON is YAML: the dump is itself a valid config
        WeirConfig again = ConfigLoader.parse(r.body(), Path.of("."), Set.of());
        assertThat(again.clusters())
                .singleElement()
                .satisfies(
                        c -> {
                            assertThat(c.name()).isEqualTo("backend");
                            assertThat(c.endpoints().get(0).toString()).isEqualTo(up.address());
                        });
        assertThat(again.listeners().get(0).name()).isEqualTo("ingress");
    }

    @Test
    void clustersListsHostsAndCounts() throws Exception {
        RawClient.Response r = weir.admin("GET", "/clusters");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().split("\n"))
                .contains(
                        "backend::lb_policy::round_robin",
                        "backend::" + up.address() + "::health_flags::healthy",
                        "backend::upstream_rq_total::" + OK_REQUESTS,
                        "backend::upstream_cx_active::1");
    }

    @Test
    void listenersShowsTheBoundAddress() throws Exception {
        RawClient.Response r = weir.admin("GET", "/listeners");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ingress::127.0.0.1:" + weir.port() + "\n");
    }

    @Test
    void serverInfoIsJsonWithStateAndConcurrency() throws Exception {
        RawClient.Response r = weir.admin("GET", "/server_info");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("content-type")).isEqualTo("application/json");
        assertThat(r.body())
                .startsWith("{")
                .contains(
                        "\"state\": \"LIVE\"",
                        "\"concurrency\": 2",
                        "\"transport\": \"" + weir.server.transport() + "\"")
                .contains("\"version\": \"");
    }

    @Test
    void getOnQuitQuitQuitIs405AndTheServerKeepsServing() throws Exception {
        RawClient.Response r = weir.admin("GET", "/quitquitquit");
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.header("allow")).isEqualTo("POST");
        assertThat(weir.server.terminated()).isNotDone();
        assertThat(weir.admin("GET", "/ready").status()).isEqualTo(200);
    }
}
