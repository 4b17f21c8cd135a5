package io.weir.filters.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The C test modules (compiled here with clang for wasm32-wasi) through a real Weir: properties,
 * metrics, shared data across two workers, a call-out that times out, and the default memory limit.
 */
class WasmCModulesIntegrationTest {
    @TempDir Path dir;

    static final FilterRegistry REGISTRY =
            FilterRegistry.of(Map.of("weir.wasm", new WasmFilterFactory()));

    static String yaml(String upstream, String auth, Path module, String configuration) {
        return """
                admin: { address: 127.0.0.1:0 }
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                      filters:
                        - name: weir.wasm
                          config:
                            module: %s
                            configuration: '%s'
                            limits: { memory_mb: 64, callback_timeout: 2s }
                      virtual_hosts:
                        - name: d
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/" }
                              route: { cluster: backend }
                              name: main
                clusters:
                  - name: backend
                    endpoints: [{ address: %s }]
                  - name: auth
                    connect_timeout: 250ms
                    endpoints: [{ address: %s }]
                """
                .formatted(module, configuration, upstream, auth);
    }

    static RawClient.Response get(Weir w, String extra) throws Exception {
        try (RawClient c = new RawClient(w.port())) {
            c.send("GET /p?q=1 HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n");
            return c.read();
        }
    }

    @Test
    void propertiesAreServedByTheirProxyWasmNames() throws Exception {
        Path m = WasmModules.compileC("properties.c", dir);
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), up.address(), m, ""), 1, REGISTRY)) {
            RawClient.Response r = get(w, "");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body())
                    .contains("h:x-prop-path=/p?q=1")
                    .contains("h:x-prop-plugin=weir.wasm")
                    .containsPattern("h:x-prop-source=127\\.0\\.0\\.1:\\d+");
        }
    }

    @Test
    void aModuleMetricIsExportedAndReadBack() throws Exception {
        Path m = WasmModules.compileC("metrics.c", dir);
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), up.address(), m, ""), 1, REGISTRY)) {
            for (int i = 1; i <= 3; i++) {
                assertThat(get(w, "").body()).contains("h:x-requests-total=" + i);
            }
            assertThat(w.stat("wasm_requests_total{filter=\"weir.wasm\"}")).isEqualTo(3);
        }
    }

    @Test
    void sharedDataCompareAndSwapCountsEveryRequestAcrossTwoWorkers() throws Exception {
        Path m = WasmModules.compileC("shared_cas.c", dir);
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), up.address(), m, ""), 2, REGISTRY)) {
            Set<String> seen = new HashSet<>();
            int n = 40;
            for (int i = 0; i < n; i++) {
                // new connections land on either worker
                String body = get(w, "").body();
                int at = body.indexOf("h:x-counter=");
                assertThat(at).as(body).isPositive();
                seen.add(body.substring(at + 12, body.indexOf('\n', at)));
            }
            // every increment was seen once: 1..n, no duplicates and no gaps
            Set<String> want = new HashSet<>();
            for (int i = 1; i <= n; i++) {
                want.add(Integer.toString(i));
            }
            assertThat(seen).isEqualTo(want);
        }
    }

    @Test
    void aCallOutToADeadClusterTimesOutInto403() throws Exception {
        Path m = WasmModules.compileC("pause_callout.c", dir);
        int dead;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        try (TestUpstream up = new TestUpstream("up");
                Weir w =
                        Weir.start(
                                yaml(up.address(), "127.0.0.1:" + dead, m, "auth"), 1, REGISTRY)) {
            RawClient.Response r = get(w, "x-user: alice\r\n");
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.body()).isEqualTo("denied");
        }
    }

    @Test
    void aMemoryLimitOf64MiBStopsA64MiBAllocation() throws Exception {
        Path m = WasmModules.compileC("grow.c", dir);
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), up.address(), m, ""), 1, REGISTRY)) {
            assertThat(get(w, "x-grow: 32\r\n").body()).contains("h:x-grown=32");
            assertThat(get(w, "x-grow: 64\r\n").body()).contains("h:x-grow-failed=64");
        }
    }
}
