package io.weir.filters.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import io.weir.spi.SharedData;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ABI groups against hand-written modules: an HTTP call-out that pauses and resumes or answers 403,
 * ticks writing shared data with compare-and-swap from two workers, and a buffered body that the
 * module replaces.
 */
class WasmAbiWatIntegrationTest {
    @TempDir Path dir;

    static final FilterRegistry REGISTRY =
            FilterRegistry.of(Map.of("weir.wasm", new WasmFilterFactory()));

    /** Guest memory and a bump allocator that never frees (the tests' modules are short-lived). */
    static final String ALLOCATOR =
            """
              (memory (export "memory") 2)
              (global $heap (mut i32) (i32.const 8192))
              (func (export "proxy_on_memory_allocate") (param $n i32) (result i32)
                (local $p i32)
                (local.set $p (global.get $heap))
                (global.set $heap (i32.add (global.get $heap) (i32.add (local.get $n) (i32.const 8))))
                (local.get $p))
            """;

    static final String COMMON =
            """
              (import "env" "proxy_add_header_map_value" (func $add (param i32 i32 i32 i32 i32) (result i32)))
              (import "env" "proxy_get_header_map_value" (func $get (param i32 i32 i32 i32 i32) (result i32)))
            """
                    + ALLOCATOR
                    + """
              (func (export "proxy_on_context_create") (param i32 i32))
              (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
              (func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))
              (func (export "proxy_on_delete") (param i32))
            """;

    /** Pauses, asks cluster "auth" GET /check; 2xx: adds x-checked: yes and resumes; else 403. */
    static final String CALLOUT =
            """
            (module
              (import "env" "proxy_http_call" (func $call (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
              (import "env" "proxy_set_effective_context" (func $eff (param i32) (result i32)))
              (import "env" "proxy_continue_stream" (func $cont (param i32) (result i32)))
              (import "env" "proxy_send_local_response" (func $reply (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
            """
                    + COMMON
                    + """
              (global $ctx (mut i32) (i32.const 0))
              (data (i32.const 200) "\\03\\00\\00\\00\\07\\00\\00\\00\\03\\00\\00\\00\\05\\00\\00\\00\\06\\00\\00\\00\\0a\\00\\00\\00\\04\\00\\00\\00:method\\00GET\\00:path\\00/check\\00:authority\\00auth\\00")
              (data (i32.const 300) "auth")
              (data (i32.const 320) ":status")
              (data (i32.const 340) "x-checked")
              (data (i32.const 360) "yes")
              (data (i32.const 380) "denied")
              (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
              (func (export "proxy_on_request_headers") (param $c i32) (param i32 i32) (result i32)
                (global.set $ctx (local.get $c))
                (drop (call $call (i32.const 300) (i32.const 4) (i32.const 200) (i32.const 69)
                                  (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
                                  (i32.const 500) (i32.const 400)))
                (i32.const 1))
              (func (export "proxy_on_http_call_response") (param i32 i32 i32 i32 i32)
                (drop (call $eff (global.get $ctx)))
                (if (i32.and
                      (i32.eqz (call $get (i32.const 6) (i32.const 320) (i32.const 7) (i32.const 64) (i32.const 68)))
                      (i32.eq (i32.load8_u (i32.load (i32.const 64))) (i32.const 50)))
                  (then
                    (drop (call $add (i32.const 0) (i32.const 340) (i32.const 9) (i32.const 360) (i32.const 3)))
                    (drop (call $cont (i32.const 0))))
                  (else
                    (drop (call $reply (i32.const 403) (i32.const 0) (i32.const 0) (i32.const 380) (i32.const 6)
                                       (i32.const 0) (i32.const 0) (i32.const -1)))))))
            """;

    /**
     * Ticks every 10 ms; each tick adds one to shared "ticks" (a u32) with a CAS retry loop, once
     * the test has created it: a write with CAS 0 is unconditional in proxy-wasm, so a module that
     * created the value itself could overwrite every update another worker made between its read
     * and its write (a run here lost two).
     */
    static final String TICKS =
            """
            (module
              (import "env" "proxy_set_tick_period_milliseconds" (func $tick (param i32) (result i32)))
              (import "env" "proxy_get_shared_data" (func $sget (param i32 i32 i32 i32 i32) (result i32)))
              (import "env" "proxy_set_shared_data" (func $sset (param i32 i32 i32 i32 i32) (result i32)))
            """
                    + COMMON
                    + """
              (data (i32.const 300) "ticks")
              (func (export "proxy_on_configure") (param i32 i32) (result i32)
                (drop (call $tick (i32.const 10)))
                (i32.const 1))
              (func (export "proxy_on_tick") (param i32)
                (local $cas i32) (local $v i32)
                (loop $retry
                  ;; not created yet: nothing to add to (the test creates it)
                  (if (i32.ne (call $sget (i32.const 300) (i32.const 5) (i32.const 64) (i32.const 68) (i32.const 72))
                              (i32.const 0))
                    (then (return)))
                  (local.set $v (i32.load (i32.load (i32.const 64))))
                  (local.set $cas (i32.load (i32.const 72)))
                  (i32.store (i32.const 80) (i32.add (local.get $v) (i32.const 1)))
                  ;; every write is checked: one that lost the race reads again
                  (br_if $retry (i32.ne (call $sset (i32.const 300) (i32.const 5) (i32.const 80) (i32.const 4) (local.get $cas))
                                        (i32.const 0))))))
            """;

    /** Buffers the request body (Pause until end of stream) and upper-cases it in place. */
    static final String BODY =
            """
            (module
              (import "env" "proxy_get_buffer_bytes" (func $gb (param i32 i32 i32 i32 i32) (result i32)))
              (import "env" "proxy_set_buffer_bytes" (func $sb (param i32 i32 i32 i32 i32) (result i32)))
            """
                    + COMMON
                    + """
              (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
              (func (export "proxy_on_request_body") (param i32) (param $size i32) (param $eos i32) (result i32)
                (local $p i32) (local $i i32) (local $c i32)
                (if (i32.eqz (local.get $eos)) (then (return (i32.const 1))))
                (drop (call $gb (i32.const 0) (i32.const 0) (local.get $size) (i32.const 64) (i32.const 68)))
                (local.set $p (i32.load (i32.const 64)))
                (block $done
                  (loop $each
                    (br_if $done (i32.ge_u (local.get $i) (local.get $size)))
                    (local.set $c (i32.load8_u (i32.add (local.get $p) (local.get $i))))
                    (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
                      (then (i32.store8 (i32.add (local.get $p) (local.get $i)) (i32.sub (local.get $c) (i32.const 32)))))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $each)))
                (drop (call $sb (i32.const 0) (i32.const 0) (local.get $size) (local.get $p) (local.get $size)))
                (i32.const 0)))
            """;

    /**
     * In its request headers callback, makes its root context effective and adds x-as-root (the
     * root has no request headers: nothing may reach the stream), then its own stream context again
     * and adds x-as-stream.
     */
    static final String SWITCH_CONTEXT =
            """
            (module
              (import "env" "proxy_add_header_map_value" (func $add (param i32 i32 i32 i32 i32) (result i32)))
              (import "env" "proxy_set_effective_context" (func $eff (param i32) (result i32)))
            """
                    + ALLOCATOR
                    + """
              (global $root (mut i32) (i32.const 0))
              (func (export "proxy_on_context_create") (param $c i32) (param $parent i32)
                (if (i32.ne (local.get $parent) (i32.const 0)) (then (global.set $root (local.get $parent)))))
              (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
              (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
              (data (i32.const 300) "x-as-root")
              (data (i32.const 320) "x-as-stream")
              (data (i32.const 340) "1")
              (func (export "proxy_on_request_headers") (param $c i32) (param i32 i32) (result i32)
                (drop (call $eff (global.get $root)))
                (drop (call $add (i32.const 0) (i32.const 300) (i32.const 9) (i32.const 340) (i32.const 1)))
                (drop (call $eff (local.get $c)))
                (drop (call $add (i32.const 0) (i32.const 320) (i32.const 11) (i32.const 340) (i32.const 1)))
                (i32.const 0)))
            """;

    Path wasm(String name, String wat) {
        return WasmModules.wat(wat, dir, name);
    }

    static String yaml(String upstream, String auth, Path module) {
        return """
                admin: { address: 127.0.0.1:0 }
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                      filters:
                        - name: weir.wasm
                          config: { module: %s }
                      virtual_hosts:
                        - name: d
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/" }
                              route: { cluster: backend }
                clusters:
                  - name: backend
                    endpoints: [{ address: %s }]
                  - name: auth
                    connect_timeout: 250ms
                    endpoints: [{ address: %s }]
                """
                .formatted(module, upstream, auth);
    }

    @Test
    void anHttpCallPausesTheRequestThenResumesOrAnswers403() throws Exception {
        Path m = wasm("callout", CALLOUT);
        try (TestUpstream up = new TestUpstream("up");
                TestUpstream auth = new TestUpstream("auth")) {
            boolean[] allow = {true};
            auth.on(
                    "/check",
                    ex -> {
                        ex.sendResponseHeaders(allow[0] ? 200 : 403, -1);
                        ex.close();
                    });
            try (Weir w = Weir.start(yaml(up.address(), auth.address(), m), 2, REGISTRY)) {
                for (int i = 0; i < 3; i++) {
                    try (RawClient c = new RawClient(w.port())) {
                        c.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
                        RawClient.Response r = c.read();
                        assertThat(r.status()).isEqualTo(200);
                        assertThat(r.body()).contains("name=up").contains("h:x-checked=yes");
                    }
                }
                allow[0] = false;
                try (RawClient c = new RawClient(w.port())) {
                    c.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
                    RawClient.Response r = c.read();
                    assertThat(r.status()).isEqualTo(403);
                    assertThat(r.body()).isEqualTo("denied");
                }
            }
        }
    }

    @Test
    void aStreamCallbackThatMakesItsRootEffectiveNoLongerReachesItsStream() throws Exception {
        Path m = wasm("switch", SWITCH_CONTEXT);
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), up.address(), m), 1, REGISTRY)) {
            for (int i = 0; i < 2; i++) {
                try (RawClient c = new RawClient(w.port())) {
                    c.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
                    RawClient.Response r = c.read();
                    assertThat(r.status()).isEqualTo(200);
                    assertThat(r.body()).contains("h:x-as-stream=1").doesNotContain("x-as-root");
                }
            }
        }
    }

    @Test
    void ticksOnTwoWorkersCountInSharedDataWithoutLosingAnUpdate() throws Exception {
        Path m = wasm("ticks", TICKS);
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), up.address(), m), 2, REGISTRY)) {
            SharedData data = w.server.filterServices().sharedData("weir.wasm");
            // created at version 1 with the value 0: from then on, version = value + 1
            assertThat(data.set(Abi.scopedName("", "ticks"), new byte[4], 0)).isTrue();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            SharedData.Entry e = data.get(Abi.scopedName("", "ticks"));
            while ((e == null || e.version() < 100) && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
                e = data.get(Abi.scopedName("", "ticks"));
            }
            assertThat(e).isNotNull();
            assertThat(e.version()).isGreaterThanOrEqualTo(100);
            int value = ByteBuffer.wrap(e.value()).order(ByteOrder.LITTLE_ENDIAN).getInt();
            // every write was a +1 made on the value read at its version: none lost
            assertThat((long) value).isEqualTo(e.version() - 1);
        }
    }

    @Test
    void aBufferedBodyIsReplacedByTheModule() throws Exception {
        Path m = wasm("body", BODY);
        try (TestUpstream up = new TestUpstream("up")) {
            up.on(
                    "/echo",
                    ex -> {
                        byte[] b = ex.getRequestBody().readAllBytes();
                        ex.sendResponseHeaders(200, b.length);
                        try (OutputStream o = ex.getResponseBody()) {
                            o.write(b);
                        }
                    });
            try (Weir w = Weir.start(yaml(up.address(), up.address(), m), 1, REGISTRY);
                    RawClient c = new RawClient(w.port())) {
                c.send(
                        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
                RawClient.Response r = c.read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("ABCDEFG");
            }
        }
    }
}
