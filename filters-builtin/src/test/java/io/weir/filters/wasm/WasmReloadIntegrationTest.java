package io.weir.filters.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.server.Reloader;
import io.weir.kernel.server.ServerOptions;
import io.weir.kernel.server.WeirServer;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot reload of a Wasm module: a changed module file (in the plugin directory, which Weir watches)
 * builds new VMs and swaps them with no failed request, and 100 reloads do not make the heap grow.
 */
class WasmReloadIntegrationTest {
    @TempDir Path dir;

    static String module(String value) {
        return """
                (module
                  (import "env" "proxy_add_header_map_value" (func $add (param i32 i32 i32 i32 i32) (result i32)))
                  (memory (export "memory") 2)
                  (global $heap (mut i32) (i32.const 4096))
                  (data (i32.const 16) "x-wat")
                  (data (i32.const 32) "%s")
                  (func (export "proxy_on_memory_allocate") (param $n i32) (result i32)
                    (local $p i32)
                    (local.set $p (global.get $heap))
                    (global.set $heap (i32.add (global.get $heap) (i32.add (local.get $n) (i32.const 8))))
                    (local.get $p))
                  (func (export "proxy_on_context_create") (param i32 i32))
                  (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
                  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
                    (drop (call $add (i32.const 2) (i32.const 16) (i32.const 5) (i32.const 32) (i32.const 2)))
                    (i32.const 0)))
                """
                .formatted(value);
    }

    /** Assembles the module for {@code value} (2 characters) and moves it into place. */
    void install(String value) throws Exception {
        Path out = WasmModules.wat(module(value), dir, "m-" + value); // built once per content
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Path tmp = plugins.resolve(".filter.wasm.tmp");
        Files.copy(out, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, plugins.resolve("filter.wasm"), StandardCopyOption.ATOMIC_MOVE);
    }

    Path config(String upstream) throws IOException {
        return Files.writeString(
                dir.resolve("weir.yaml"),
                """
                admin: { address: 127.0.0.1:0 }
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                      filters:
                        - name: weir.wasm
                          config: { module: plugins/filter.wasm }
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
                        .formatted(upstream));
    }

    @Test
    void aChangedModuleIsSwappedInUnderLoadWithoutAFailedRequest() throws Exception {
        install("v1");
        try (TestUpstream up = new TestUpstream("up");
                Reloader r = new Reloader(config(up.address()), getClass().getClassLoader())) {
            r.load();
            WeirServer s = r.start(new ServerOptions(2, false));
            r.watch();
            int port = s.listenerAddresses().get("ingress").getPort();
            AtomicBoolean run = new AtomicBoolean(true);
            List<String> failures = Collections.synchronizedList(new ArrayList<>());
            Set<String> seen =
                    ConcurrentHashMap.newKeySet(); // the clients add while the test reads
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Thread t =
                        new Thread(
                                () -> {
                                    try (RawClient c = new RawClient(port)) {
                                        while (run.get()) {
                                            c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                                            RawClient.Response resp = c.read();
                                            if (resp.status() != 200) {
                                                failures.add(resp.status() + " " + resp.body());
                                            }
                                            seen.add(String.valueOf(resp.headers().get("x-wat")));
                                        }
                                    } catch (IOException e) {
                                        failures.add(e.toString());
                                    }
                                });
                t.start();
                clients.add(t);
            }
            awaitSeen(seen, "v1");
            install("v2"); // the watcher reloads
            awaitSeen(seen, "v2");
            run.set(false);
            for (Thread t : clients) {
                t.join(5000);
            }
            assertThat(failures).isEmpty();
            s.close();
        }
    }

    @Test
    void aHundredReloadsDoNotGrowTheHeap() throws Exception {
        install("v1");
        try (TestUpstream up = new TestUpstream("up");
                Reloader r = new Reloader(config(up.address()), getClass().getClassLoader())) {
            r.load();
            WeirServer s = r.start(new ServerOptions(2, false));
            int port = s.listenerAddresses().get("ingress").getPort();
            long after10 = 0;
            for (int i = 1; i <= 100; i++) {
                install(i % 2 == 0 ? "v1" : "v2");
                r.reload("test").get(30, TimeUnit.SECONDS);
                try (RawClient c = new RawClient(port)) {
                    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                    assertThat(c.read().headers().get("x-wat")).isEqualTo(i % 2 == 0 ? "v1" : "v2");
                }
                if (i == 10) {
                    after10 = usedHeapAfterGc();
                }
            }
            long after100 = usedHeapAfterGc();
            System.out.printf(
                    "wasm reload heap: after 10 reloads %d KiB, after 100 reloads %d KiB%n",
                    after10 / 1024, after100 / 1024);
            assertThat(after100 - after10).as("heap growth over 90 reloads").isLessThan(16L << 20);
            s.close();
        }
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void awaitSeen(Set<String> seen, String value) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!seen.contains(value) && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        }
        assertThat(seen).contains(value);
    }
}
