package io.weir.kernel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.testing.PluginJars;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import java.io.IOException;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot reload of config and plugins with a real Weir, real plugin jars built by the test, and
 * continuous load: no request may fail during a swap.
 */
class ReloadIntegrationTest {
    @TempDir Path dir;

    /** Source of a plugin offering {@code test.header}: adds {@code x-plugin: VALUE} both ways. */
    static String headerPlugin(String value) {
        return """
                package acme;
                import io.weir.spi.*;
                import java.util.List;
                public final class HeaderPlugin implements WeirPlugin {
                    public String spiVersion() { return SpiVersion.CURRENT; }
                    public String version() { return "%s"; }
                    public List<HttpFilterFactory> httpFilters() {
                        return List.of(new HttpFilterFactory() {
                            public String name() { return "test.header"; }
                            public HttpFilterRoot createRoot(RootContext ctx) {
                                return c -> new HttpFilter() {
                                    public FilterStatus onRequestHeaders(Headers h, boolean eos) {
                                        h.set("x-plugin", "%s");
                                        return FilterStatus.CONTINUE;
                                    }
                                    public FilterStatus onResponseHeaders(Headers h, boolean eos) {
                                        h.set("x-plugin", "%s");
                                        return FilterStatus.CONTINUE;
                                    }
                                };
                            }
                        });
                    }
                }
                """
                .formatted(value, value, value);
    }

    Path jar(String value) throws IOException {
        Path d = dir.resolve("build-" + value);
        Files.createDirectories(d);
        return PluginJars.build(
                d,
                "header.jar",
                Map.of("acme.HeaderPlugin", headerPlugin(value)),
                "acme.HeaderPlugin");
    }

    void install(Path jar) throws IOException {
        Path p = dir.resolve("plugins").resolve("header");
        Files.createDirectories(p);
        Files.copy(jar, p.resolve("header.jar"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    Path writeConfig(String upstream, String filters, String extraListener) throws IOException {
        Path f = dir.resolve("weir.yaml");
        Files.writeString(
                f,
                """
                admin: { address: 127.0.0.1:0 }
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                      filters: %s
                      virtual_hosts:
                        - name: default
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/" }
                              route: { cluster: backend }
                %s
                clusters:
                  - name: backend
                    endpoints: [{ address: %s }]
                """
                        .formatted(filters, extraListener, upstream));
        return f;
    }

    /** Sends requests on a few keep-alive connections until stopped; counts answers by header. */
    static final class Load implements AutoCloseable {
        final AtomicBoolean run = new AtomicBoolean(true);
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger ok = new AtomicInteger();
        final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
        final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<Thread> threads = new ArrayList<>();

        Load(int port, int clients) {
            for (int i = 0; i < clients; i++) {
                Thread t =
                        new Thread(
                                () -> {
                                    RawClient c = null;
                                    try {
                                        c = new RawClient(port);
                                        int n = 0;
                                        while (run.get()) {
                                            if (++n % 50 == 0) {
                                                c.close(); // new connections too
                                                c = new RawClient(port);
                                            }
                                            c.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
                                            RawClient.Response r = c.read();
                                            if (r.status() != 200) {
                                                failed.incrementAndGet();
                                                failures.add(r.status() + " " + r.body());
                                            } else {
                                                ok.incrementAndGet();
                                                String h = r.headers().get("x-plugin");
                                                seen.computeIfAbsent(
                                                                h == null ? "none" : h,
                                                                k -> new AtomicInteger())
                                                        .incrementAndGet();
                                            }
                                        }
                                    } catch (IOException e) {
                                        failed.incrementAndGet();
                                        failures.add(e.toString());
                                    } finally {
                                        if (c != null) {
                                            try {
                                                c.close();
                                            } catch (IOException e) {
                                                failures.add("close: " + e);
                                            }
                                        }
                                    }
                                });
                t.start();
                threads.add(t);
            }
        }

        /** Waits until {@code count} more answers carried {@code header} (or none). */
        void await(String header, int count) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            int start = seen.computeIfAbsent(header, k -> new AtomicInteger()).get();
            while (seen.get(header).get() < start + count && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(seen.get(header).get())
                    .as("answers with x-plugin=" + header)
                    .isGreaterThanOrEqualTo(start + count);
        }

        @Override
        public void close() throws InterruptedException {
            run.set(false);
            for (Thread t : threads) {
                t.join(5000);
            }
        }
    }

    static RawClient.Response admin(WeirServer s, String method, String path) throws IOException {
        try (RawClient c = new RawClient(s.adminAddress().getPort())) {
            c.send(method + " " + path + " HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
            return c.read();
        }
    }

    @Test
    void addsReplacesAndRemovesAPluginUnderLoadWithoutAFailedRequest() throws Exception {
        try (TestUpstream up = new TestUpstream("up")) {
            Path cfg = writeConfig(up.address(), "[]", "");
            try (Reloader r = new Reloader(cfg, null)) {
                r.load();
                WeirServer s = r.start(new ServerOptions(2, false));
                try (Load load = new Load(s.listenerAddresses().get("ingress").getPort(), 4)) {
                    load.await("none", 50);
                    // add: the jar, then the config naming the filter
                    install(jar("v1"));
                    writeConfig(up.address(), "[{ name: test.header }]", "");
                    assertThat(admin(s, "POST", "/config/reload").status()).isEqualTo(200);
                    load.await("v1", 200);
                    assertThat(admin(s, "GET", "/plugins").body())
                            .contains("\"name\": \"header\"", "\"version\": \"v1\"", "test.header");
                    // replace the jar
                    install(jar("v2"));
                    assertThat(admin(s, "POST", "/plugins/reload").status()).isEqualTo(200);
                    load.await("v2", 200);
                    // remove
                    writeConfig(up.address(), "[]", "");
                    assertThat(admin(s, "POST", "/config/reload").status()).isEqualTo(200);
                    load.await("none", 200);
                    load.close();
                    assertThat(load.failures).isEmpty();
                    assertThat(load.failed.get()).isZero();
                }
                s.close();
            }
        }
    }

    @Test
    void aRejectedReloadLeavesTheOldConfigServingAndSaysWhy() throws Exception {
        try (TestUpstream up = new TestUpstream("up")) {
            install(jar("v1"));
            Path cfg = writeConfig(up.address(), "[{ name: test.header }]", "");
            try (Reloader r = new Reloader(cfg, null)) {
                r.load();
                WeirServer s = r.start(new ServerOptions(1, false));
                int port = s.listenerAddresses().get("ingress").getPort();
                writeConfig(up.address(), "[{ name: test.nope }]", "");
                RawClient.Response rej = admin(s, "POST", "/config/reload");
                assertThat(rej.status()).isEqualTo(400);
                assertThat(rej.body())
                        .contains(
                                "listeners[0].http.filters[0].name: unknown filter \"test.nope\""
                                        + " (known: test.header)");
                try (RawClient c = new RawClient(port)) {
                    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                    assertThat(c.read().headers().get("x-plugin")).isEqualTo("v1");
                }
                assertThat(admin(s, "GET", "/plugins").body())
                        .contains("\"result\": \"rejected\"", "unknown filter");
                assertThat(admin(s, "GET", "/stats/prometheus").body())
                        .contains("weir_config_reloads_total{result=\"rejected\"} 1");
                // a jar that is not a jar: the plugin load fails, the old plugins keep serving
                Files.writeString(dir.resolve("plugins/header/header.jar"), "not a jar");
                writeConfig(up.address(), "[{ name: test.header }]", "");
                RawClient.Response bad = admin(s, "POST", "/plugins/reload");
                assertThat(bad.status()).isEqualTo(400);
                assertThat(bad.body()).contains("plugin_dirs:");
                try (RawClient c = new RawClient(port)) {
                    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                    assertThat(c.read().headers().get("x-plugin")).isEqualTo("v1");
                }
                s.close();
            }
        }
    }

    @Test
    void theOldPluginClassLoaderIsCollectedAfterAReplace() throws Exception {
        try (TestUpstream up = new TestUpstream("up")) {
            install(jar("v1"));
            Path cfg = writeConfig(up.address(), "[{ name: test.header }]", "");
            try (Reloader r = new Reloader(cfg, null)) {
                r.load();
                WeirServer s = r.start(new ServerOptions(2, false));
                int port = s.listenerAddresses().get("ingress").getPort();
                try (RawClient c = new RawClient(port)) {
                    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                    assertThat(c.read().headers().get("x-plugin")).isEqualTo("v1");
                    ReferenceQueue<ClassLoader> q = new ReferenceQueue<>();
                    WeakReference<ClassLoader> old =
                            new WeakReference<>(
                                    r.plugins().factory("test.header").getClass().getClassLoader(),
                                    q);
                    install(jar("v2"));
                    assertThat(admin(s, "POST", "/plugins/reload").status()).isEqualTo(200);
                    // the same keep-alive connection now gets the new plugin
                    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                    assertThat(c.read().headers().get("x-plugin")).isEqualTo("v2");
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (old.get() != null && System.nanoTime() < deadline) {
                        System.gc();
                        q.remove(100);
                    }
                    assertThat(old.get()).as("old plugin class loader").isNull();
                }
                s.close();
            }
        }
    }

    @Test
    void aChangedConfigFileIsReloadedByTheWatcherAndListenersComeAndGo() throws Exception {
        try (TestUpstream up = new TestUpstream("up")) {
            Path cfg = writeConfig(up.address(), "[]", "");
            try (Reloader r = new Reloader(cfg, null)) {
                r.load();
                WeirServer s = r.start(new ServerOptions(1, false));
                r.watch();
                String second =
                        """
                          - name: second
                            address: 127.0.0.1:0
                            http:
                              virtual_hosts:
                                - name: d
                                  domains: ["*"]
                                  routes:
                                    - match: { prefix: "/" }
                                      direct_response: { status: 200, body: second }
                        """;
                writeConfig(up.address(), "[]", second);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!s.listenerAddresses().containsKey("second")
                        && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertThat(s.listenerAddresses()).containsKey("second");
                try (RawClient c = new RawClient(s.listenerAddresses().get("second").getPort())) {
                    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                    assertThat(c.read().body()).isEqualTo("second");
                }
                int port2 = s.listenerAddresses().get("second").getPort();
                writeConfig(up.address(), "[]", "");
                deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (s.listenerAddresses().containsKey("second")
                        && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertThat(s.listenerAddresses()).doesNotContainKey("second");
                assertThat(canConnect(port2)).isFalse();
                s.close();
            }
        }
    }

    static boolean canConnect(int port) {
        try (java.net.Socket so = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
