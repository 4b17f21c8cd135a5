package io.weir.filters.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host against a hand-written module (WAT, assembled with wat2wasm): linking, the context
 * calls, header maps, a trap and the fail policies, through a real Weir and upstream.
 */
class WasmHostWatIntegrationTest {
    @TempDir Path dir;

    static final FilterRegistry REGISTRY =
            FilterRegistry.of(Map.of("weir.wasm", new WasmFilterFactory()));

    /**
     * Adds x-wat: yes to request and response headers; traps when the request has x-trap (any
     * value). Imports a gRPC function it never calls, to check that everything links.
     */
    static final String MODULE =
            """
            (module
              (import "env" "proxy_add_header_map_value"
                (func $add (param i32 i32 i32 i32 i32) (result i32)))
              (import "env" "proxy_get_header_map_value"
                (func $get (param i32 i32 i32 i32 i32) (result i32)))
              (import "env" "proxy_grpc_call"
                (func $grpc (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_write"
                (func $fd_write (param i32 i32 i32 i32) (result i32)))
              (memory (export "memory") 2)
              (global $heap (mut i32) (i32.const 4096))
              (data (i32.const 16) "x-wat")
              (data (i32.const 32) "yes")
              (data (i32.const 48) "x-trap")
              (func (export "proxy_abi_version_0_2_1"))
              (func (export "proxy_on_memory_allocate") (param $n i32) (result i32)
                (local $p i32)
                (local.set $p (global.get $heap))
                (global.set $heap (i32.add (global.get $heap) (i32.add (local.get $n) (i32.const 8))))
                (local.get $p))
              (func (export "proxy_on_context_create") (param i32 i32))
              (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
              (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
              (data (i32.const 80) "x-loop")
              (data (i32.const 96) "x-grow")
              (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
                (if (i32.eq (call $get (i32.const 0) (i32.const 48) (i32.const 6) (i32.const 64) (i32.const 68)) (i32.const 0))
                  (then unreachable))
                (if (i32.eq (call $get (i32.const 0) (i32.const 80) (i32.const 6) (i32.const 64) (i32.const 68)) (i32.const 0))
                  (then (loop $forever (br $forever))))
                ;; x-grow: ask for 64 more pages (4 MiB); trap when the host refuses
                (if (i32.eq (call $get (i32.const 0) (i32.const 96) (i32.const 6) (i32.const 64) (i32.const 68)) (i32.const 0))
                  (then (if (i32.eq (memory.grow (i32.const 64)) (i32.const -1)) (then unreachable))))
                (drop (call $add (i32.const 0) (i32.const 16) (i32.const 5) (i32.const 32) (i32.const 3)))
                (i32.const 0))
              (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
                (drop (call $add (i32.const 2) (i32.const 16) (i32.const 5) (i32.const 32) (i32.const 3)))
                (i32.const 0))
              (func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))
              (func (export "proxy_on_delete") (param i32)))
            """;

    Path module() {
        return WasmModules.wat(MODULE, dir, "m");
    }

    static String yaml(String upstream, Path module, String policy) {
        return yaml(upstream, module, policy, "{ memory_mb: 64, callback_timeout: 50ms }");
    }

    static String yaml(String upstream, Path module, String policy, String limits) {
        return """
                admin: { address: 127.0.0.1:0 }
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                      filters:
                        - name: weir.wasm
                          config: { module: %s, fail_policy: %s, limits: %s }
                      virtual_hosts:
                        - name: d
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/" }
                              route: { cluster: backend }
                clusters:
                  - name: backend
                    endpoints: [{ address: %s }]
                """
                .formatted(module, policy, limits, upstream);
    }

    static RawClient.Response get(Weir w, String extra) throws Exception {
        try (RawClient c = new RawClient(w.port())) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n");
            return c.read();
        }
    }

    @Test
    void addsHeadersBothWaysThroughARealProxy() throws Exception {
        Path m = module();
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), m, "fail_closed"), 2, REGISTRY)) {
            for (int i = 0; i < 3; i++) {
                RawClient.Response r = get(w, "");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).contains("h:x-wat=yes");
                assertThat(r.headers().get("x-wat")).isEqualTo("yes");
            }
        }
    }

    @Test
    void aTrapPoisonsTheVmAndFailClosedAnswers503WhileFailOpenPassesThrough() throws Exception {
        Path m = module();
        try (TestUpstream up = new TestUpstream("up")) {
            try (Weir w = Weir.start(yaml(up.address(), m, "fail_closed"), 1, REGISTRY)) {
                assertThat(get(w, "x-trap: 1\r\n").status()).isEqualTo(503);
                // the VM stays failed: the next plain request is refused too
                assertThat(get(w, "").status()).isEqualTo(503);
                assertThat(
                                w.stat(
                                        "weir_wasm_vm_failures_total{filter=\"weir.wasm\",reason=\"trap\"}"))
                        .isEqualTo(1);
            }
            try (Weir w = Weir.start(yaml(up.address(), m, "fail_open"), 1, REGISTRY)) {
                RawClient.Response r = get(w, "x-trap: 1\r\n");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).doesNotContain("h:x-wat");
                assertThat(get(w, "").status()).isEqualTo(200);
            }
        }
    }

    @Test
    void theWatchdogStopsAnEndlessLoopAndReloadBringsTheVmBack() throws Exception {
        Path m = module();
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), m, "reload"), 1, REGISTRY)) {
            long t0 = System.nanoTime();
            RawClient.Response stuck = get(w, "x-loop: 1\r\n");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(stuck.status()).isEqualTo(503);
            assertThat(ms).as("answered after the 50 ms timeout, not hung").isLessThan(5000);
            assertThat(
                            w.stat(
                                    "weir_wasm_vm_failures_total{filter=\"weir.wasm\",reason=\"timeout\"}"))
                    .isEqualTo(1);
            // the worker keeps serving; after the 1 s backoff a new VM answers again
            long deadline = System.nanoTime() + 10_000_000_000L;
            int status = 0;
            while (System.nanoTime() < deadline && status != 200) {
                status = get(w, "").status();
                if (status != 200) {
                    java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
                }
            }
            assertThat(status).isEqualTo(200);
            assertThat(w.stat("weir_wasm_vm_reloads_total{filter=\"weir.wasm\"}")).isEqualTo(1);
        }
    }

    @Test
    void theMemoryLimitRefusesGrowthBeyondIt() throws Exception {
        Path m = module();
        try (TestUpstream up = new TestUpstream("up")) {
            try (Weir w =
                    Weir.start(
                            yaml(up.address(), m, "fail_closed", "{ memory_mb: 8 }"),
                            1,
                            REGISTRY)) {
                // 2 pages + 64 = 66 pages (4.1 MiB) fit in 8 MiB
                assertThat(get(w, "x-grow: 1\r\n").status()).isEqualTo(200);
            }
            try (Weir w =
                    Weir.start(
                            yaml(up.address(), m, "fail_closed", "{ memory_mb: 2 }"),
                            1,
                            REGISTRY)) {
                // 2 MiB = 32 pages: growing by 64 is refused, the module traps
                assertThat(get(w, "x-grow: 1\r\n").status()).isEqualTo(503);
            }
        }
    }

    /**
     * Copies the request's 13-byte x-v into its memory three times (the first 5 bytes at 101, all
     * 13 at 106, the first 3 in the last 3 bytes of its one page) and adds each as a response
     * header (x-s, x-l, x-e) from the same pointers on every request: the host's string cache must
     * see any byte that changed. The addresses are chosen so that no two of the strings the host
     * reads share a slot of {@code WasmVm}'s string cache (16 or 32 slots); otherwise they would
     * evict each other and the cache's compare would never run.
     */
    static final String ECHO_MODULE =
            """
            (module
              (import "env" "proxy_add_header_map_value"
                (func $add (param i32 i32 i32 i32 i32) (result i32)))
              (import "env" "proxy_get_header_map_value"
                (func $get (param i32 i32 i32 i32 i32) (result i32)))
              (memory (export "memory") 1)
              (global $heap (mut i32) (i32.const 4096))
              (data (i32.const 16) "x-v")
              (data (i32.const 24) "x-s")
              (data (i32.const 32) "x-l")
              (data (i32.const 40) "x-e")
              (func (export "proxy_abi_version_0_2_1"))
              (func (export "proxy_on_memory_allocate") (param $n i32) (result i32)
                (local $p i32)
                (if (i32.gt_u (global.get $heap) (i32.const 60000)) (then (global.set $heap (i32.const 4096))))
                (local.set $p (global.get $heap))
                (global.set $heap (i32.add (global.get $heap) (i32.add (local.get $n) (i32.const 8))))
                (local.get $p))
              (func $copy (param $dst i32) (param $src i32) (param $n i32)
                (local $k i32)
                (block $done
                  (loop $next
                    (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
                    (i32.store8 (i32.add (local.get $dst) (local.get $k))
                      (i32.load8_u (i32.add (local.get $src) (local.get $k))))
                    (local.set $k (i32.add (local.get $k) (i32.const 1)))
                    (br $next))))
              (func (export "proxy_on_context_create") (param i32 i32))
              (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
              (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
              (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
                (if (i32.eq (call $get (i32.const 0) (i32.const 16) (i32.const 3) (i32.const 64) (i32.const 68)) (i32.const 0))
                  (then
                    (call $copy (i32.const 101) (i32.load (i32.const 64)) (i32.const 5))
                    (call $copy (i32.const 106) (i32.load (i32.const 64)) (i32.const 13))
                    (call $copy (i32.const 65533) (i32.load (i32.const 64)) (i32.const 3))))
                (i32.const 0))
              (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
                (drop (call $add (i32.const 2) (i32.const 24) (i32.const 3) (i32.const 101) (i32.const 5)))
                (drop (call $add (i32.const 2) (i32.const 32) (i32.const 3) (i32.const 106) (i32.const 13)))
                (drop (call $add (i32.const 2) (i32.const 40) (i32.const 3) (i32.const 65533) (i32.const 3)))
                (i32.const 0))
              (func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))
              (func (export "proxy_on_delete") (param i32)))
            """;

    @Test
    void aStringReadAgainFromTheSamePointerShowsEveryChangedByte() throws Exception {
        Path m = WasmModules.wat(ECHO_MODULE, dir, "echo");
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), m, "fail_closed"), 1, REGISTRY)) {
            char[] v = "abcdefghijklm".toCharArray();
            // one byte at a time, each position once (the first, the last, either side of 8),
            // some twice in a row unchanged (answered from the cache)
            int[] positions = {-1, -1, 0, 12, 4, 5, 7, 8, 2, 1, 3, 6, 9, 10, 11, -1, 12};
            for (int pos : positions) {
                if (pos >= 0) {
                    v[pos] = v[pos] == 'z' ? 'a' : (char) (v[pos] + 1);
                }
                String value = new String(v);
                RawClient.Response r = get(w, "x-v: " + value + "\r\n");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.headers().get("x-s"))
                        .as("after changing %d", pos)
                        .isEqualTo(value.substring(0, 5));
                assertThat(r.headers().get("x-l")).as("after changing %d", pos).isEqualTo(value);
                assertThat(r.headers().get("x-e"))
                        .as("after changing %d", pos)
                        .isEqualTo(value.substring(0, 3));
            }
        }
    }
}
