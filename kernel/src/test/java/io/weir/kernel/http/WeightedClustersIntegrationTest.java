package io.weir.kernel.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NettyLeakCheck.class)
class WeightedClustersIntegrationTest {
    private static final int REQUESTS = 2000;

    @Test
    void weightedClustersSplitTrafficEightyTwenty() throws Exception {
        try (TestUpstream a = new TestUpstream("a");
                TestUpstream b = new TestUpstream("b");
                Weir weir =
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
                                            - match: { prefix: "/" }
                                              route:
                                                weighted_clusters:
                                                  - { name: a, weight: 80 }
                                                  - { name: b, weight: 20 }
                                clusters:
                                  - name: a
                                    endpoints: [{ address: "%s" }]
                                  - name: b
                                    endpoints: [{ address: "%s" }]
                                """
                                        .formatted(a.address(), b.address()));
                RawClient c = new RawClient(weir.port())) {
            Map<String, Integer> seen = new HashMap<>();
            for (int i = 0; i < REQUESTS; i++) {
                c.send("GET /w HTTP/1.1\r\nHost: x\r\n\r\n");
                RawClient.Response r = c.read();
                assertThat(r.status()).isEqualTo(200);
                seen.merge(r.header("x-upstream"), 1, Integer::sum);
            }
            assertThat(seen.keySet()).containsExactlyInAnyOrder("a", "b");
            assertThat(a.requests() + b.requests()).isEqualTo(REQUESTS);
            assertThat(seen.get("a")).isEqualTo(a.requests());
            // one standard deviation is sqrt(2000 * 0.8 * 0.2) / 2000 = 0.9 percentage points:
            // +-4 points is 4.5 sigma, so this fails for a wrong split, not by bad luck
            double shareA = 100.0 * a.requests() / REQUESTS;
            assertThat(shareA).isCloseTo(80.0, within(4.0));
            assertThat(weir.stat("weir_cluster_upstream_rq_total{cluster=\"a\"}"))
                    .isEqualTo(a.requests());
            assertThat(weir.stat("weir_cluster_upstream_rq_total{cluster=\"b\"}"))
                    .isEqualTo(b.requests());
        }
    }
}
