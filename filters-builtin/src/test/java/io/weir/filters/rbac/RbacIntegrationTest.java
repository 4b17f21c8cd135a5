package io.weir.filters.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weir.rbac} in a real Weir: the client's address of a real socket against CIDR policies.
 */
@ExtendWith(NettyLeakCheck.class)
class RbacIntegrationTest {
    @TempDir Path dir;

    static final FilterRegistry REGISTRY =
            FilterRegistry.of(Map.of(RbacFilterFactory.NAME, new RbacFilterFactory()));

    static String yaml(String upstream, Path log, String policies) {
        return """
                admin: { address: 127.0.0.1:0 }
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                      access_log: [{ path: %s, format: json }]
                      filters:
                        - name: weir.rbac
                          config:
                            policies:
                %s
                      virtual_hosts:
                        - name: d
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/open/" }
                              route: { cluster: backend }
                              per_filter_config:
                                weir.rbac: { disabled: true }
                            - match: { prefix: "/" }
                              route: { cluster: backend }
                clusters:
                  - name: backend
                    endpoints: [{ address: %s }]
                """
                .formatted(log, policies.indent(16), upstream);
    }

    static final String LOOPBACK_ONLY_ADMIN_NO_SECRETS =
            """
            - name: admin-from-outside
              action: DENY
              rules:
                - from: [{ source: { not_ip_blocks: [127.0.0.0/8, "::1"] } }]
                  to: [{ operation: { paths: ["/admin*"] } }]
            - name: secrets-from-this-host
              action: DENY
              rules:
                - from: [{ source: { ip_blocks: [127.0.0.1/32] } }]
                  to: [{ operation: { paths: ["/secret*"] } }]
            """;

    static final String ONLY_FROM_TEN =
            """
            - name: from-ten
              action: ALLOW
              rules:
                - from: [{ source: { ip_blocks: [10.0.0.0/8] } }]
            """;

    static RawClient.Response get(Weir w, String path) throws Exception {
        try (RawClient c = new RawClient(w.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
            return c.read();
        }
    }

    static String stat(String name, String policy) {
        return name + "{filter=\"weir.rbac\",policy=\"" + policy + "\"}";
    }

    @Test
    void aLoopbackClientReachesAdminButNotSecretsByItsSocketAddress() throws Exception {
        Path log = dir.resolve("access.json");
        try (TestUpstream up = new TestUpstream("up");
                Weir w =
                        Weir.start(
                                yaml(up.address(), log, LOOPBACK_ONLY_ADMIN_NO_SECRETS),
                                1,
                                REGISTRY)) {
            assertThat(get(w, "/admin/users").status()).isEqualTo(200);
            RawClient.Response denied = get(w, "/secret/key");
            assertThat(denied.status()).isEqualTo(403);
            assertThat(denied.body()).isEqualTo("RBAC: access denied");
            assertThat(get(w, "/secretary").status()).isEqualTo(403);
            assertThat(get(w, "/public").status()).isEqualTo(200);
            assertThat(up.requests()).isEqualTo(2);
            assertThat(w.awaitStat(stat("weir_rbac_denied_total", "secrets-from-this-host"), 2))
                    .isEqualTo(2);
            assertThat(w.awaitStat(stat("weir_rbac_allowed_total", "none"), 2)).isEqualTo(2);
            List<String> lines = awaitLines(log, 4);
            assertThat(lines.get(1))
                    .contains("\"response_code\":403")
                    .contains(
                            "\"response_code_details\":"
                                    + "\"rbac_access_denied_matched_policy[secrets-from-this-host]\"");
        }
    }

    @Test
    void anAllowPolicyForAnotherNetworkDeniesThisClientExceptOnADisabledRoute() throws Exception {
        try (TestUpstream up = new TestUpstream("up");
                Weir w =
                        Weir.start(
                                yaml(up.address(), dir.resolve("a.json"), ONLY_FROM_TEN),
                                1,
                                REGISTRY)) {
            assertThat(get(w, "/").status()).isEqualTo(403);
            assertThat(get(w, "/open/x").status()).isEqualTo(200);
            assertThat(up.requests()).isEqualTo(1);
            assertThat(w.awaitStat(stat("weir_rbac_denied_total", "none"), 1)).isEqualTo(1);
        }
    }

    static List<String> awaitLines(Path log, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            if (lines.size() >= n) {
                return lines;
            }
            Thread.yield();
        }
        throw new AssertionError("access log has " + lines.size() + " lines, expected " + n);
    }
}
