package io.weir.filters.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Modules built elsewhere with the official proxy-wasm SDKs (Go 1.24 wasip1, Rust, C++), read from
 * the directory named by {@code WEIR_WASM_CORPUS} (laid out as {@code go-examples/NAME/main.wasm},
 * {@code rust-examples/NAME/main.wasm}, {@code cc-examples/NAME/http.wasm}, for example the test
 * modules of the public roastedroot/proxy-wasm-java-sdk repository). Nothing of them is committed.
 * Without the variable each test is skipped with that message. Each check follows what the module's
 * source says.
 */
class WasmCorpusIntegrationTest {
    static final FilterRegistry REGISTRY =
            FilterRegistry.of(Map.of("weir.wasm", new WasmFilterFactory()));

    static Path corpus(String rel) {
        String dir = System.getenv("WEIR_WASM_CORPUS");
        assumeTrue(
                dir != null,
                "WEIR_WASM_CORPUS is not set: set it to a directory of prebuilt proxy-wasm SDK"
                        + " modules (go-examples/*/main.wasm, ...) to run the compatibility checks");
        Path p = Path.of(dir).resolve(rel);
        assumeTrue(Files.exists(p), rel + " is not in WEIR_WASM_CORPUS");
        return p;
    }

    static String yaml(String upstream, String other, Path module, String configuration) {
        return yaml(upstream, other, module, configuration, false);
    }

    static String yaml(
            String upstream, String other, Path module, String configuration, boolean rootOnly) {
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
                            root_only: %s
                            limits: { memory_mb: 128, callback_timeout: 2s }
                      virtual_hosts:
                        - name: d
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/" }
                              route: { cluster: backend }
                clusters:
                  - name: backend
                    endpoints: [{ address: %s }]
                  - name: httpbin
                    endpoints: [{ address: %s }]
                """
                .formatted(module, configuration, rootOnly, upstream, other);
    }

    static RawClient.Response send(Weir w, String request) throws Exception {
        try (RawClient c = new RawClient(w.port())) {
            c.send(request);
            return c.read();
        }
    }

    static double failures(Weir w) {
        try {
            return w.stat("weir_wasm_vm_failures_total{filter=\"weir.wasm\",reason=\"trap\"}");
        } catch (IllegalArgumentException none) {
            return 0;
        }
    }

    @Test
    void goHttpHeadersAddsItsHeadersBothWays() throws Exception {
        Path m = corpus("go-examples/http_headers/main.wasm");
        try (TestUpstream up = new TestUpstream("up");
                Weir w =
                        Weir.start(
                                yaml(
                                        up.address(),
                                        up.address(),
                                        m,
                                        "{\"header\": \"x-wasm-header\", \"value\": \"demo-wasm\"}"),
                                2,
                                REGISTRY)) {
            RawClient.Response r = send(w, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).contains("h:test=best");
            assertThat(r.headers().get("x-proxy-wasm-go-sdk-example")).isEqualTo("http_headers");
            assertThat(r.headers().get("x-wasm-header")).isEqualTo("demo-wasm");
            assertThat(r.headers().get("x-proxy-wasm-counter")).isEqualTo("1");
            assertThat(failures(w)).isZero();
        }
    }

    /** FNV-1a 32, as the module hashes the call-out's response body. */
    static int fnv1a(byte[] b) {
        int h = 0x811c9dc5;
        for (byte x : b) {
            h ^= x & 0xff;
            h *= 0x01000193;
        }
        return h;
    }

    @Test
    void goHttpAuthRandomPausesCallsOutAndResumesOrAnswers403() throws Exception {
        Path m = corpus("go-examples/http_auth_random/main.wasm");
        // two bodies: the module lets the request through when the body's FNV-1a hash is even
        String even = null;
        String odd = null;
        for (int i = 0; even == null || odd == null; i++) {
            String b = "body-" + i;
            if ((fnv1a(b.getBytes(StandardCharsets.UTF_8)) & 1) == 0) {
                even = even == null ? b : even;
            } else {
                odd = odd == null ? b : odd;
            }
        }
        String[] answer = {even};
        try (TestUpstream up = new TestUpstream("up");
                TestUpstream auth = new TestUpstream("httpbin")) {
            auth.on(
                    "/uuid",
                    ex -> {
                        byte[] b = answer[0].getBytes(StandardCharsets.UTF_8);
                        ex.sendResponseHeaders(200, b.length);
                        try (OutputStream o = ex.getResponseBody()) {
                            o.write(b);
                        }
                    });
            try (Weir w = Weir.start(yaml(up.address(), auth.address(), m, ""), 2, REGISTRY)) {
                RawClient.Response ok = send(w, "GET /uuid HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(ok.status()).isEqualTo(200);
                assertThat(ok.body()).contains("name=up");
                answer[0] = odd;
                RawClient.Response no = send(w, "GET /uuid HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(no.status()).isEqualTo(403);
                assertThat(no.body()).isEqualTo("access forbidden");
                assertThat(no.headers().get("powered-by")).isEqualTo("proxy-wasm-go-sdk!!");
                assertThat(failures(w)).isZero();
            }
        }
    }

    @Test
    void goHttpBodyReplacesTheRequestBody() throws Exception {
        Path m = corpus("go-examples/http_body/main.wasm");
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
            try (Weir w = Weir.start(yaml(up.address(), up.address(), m, ""), 1, REGISTRY)) {
                RawClient.Response r =
                        send(
                                w,
                                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                                        + "buffer-operation: append\r\n\r\nhello");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("hello[this is appended body]");
                RawClient.Response none =
                        send(
                                w,
                                "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
                assertThat(none.status()).isEqualTo(400);
                assertThat(none.body()).isEqualTo("content must be provided");
            }
        }
    }

    @Test
    void rustHelloWorldRunsAsARootOnlyServiceAndTicks() throws Exception {
        Path m = corpus("rust-examples/hello_world/main.wasm");
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), up.address(), m, "", true), 1, REGISTRY)) {
            // a root context only (its SDK panics if handed an HTTP context): requests pass by
            RawClient.Response r = send(w, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
            assertThat(failures(w)).isZero();
        }
    }

    /**
     * Go vm_plugin_configuration logs what it reads with GetVMConfiguration in OnVMStart and with
     * GetPluginConfiguration in OnPluginStart: {@code vm_configuration} and {@code configuration}.
     */
    @Test
    void goVmPluginConfigurationReadsBothConfigurations() throws Exception {
        Path m = corpus("go-examples/vm_plugin_configuration/main.wasm");
        String yaml =
                yaml("127.0.0.1:1", "127.0.0.1:1", m, "plugin-conf-42")
                        .replace(
                                "root_only: false",
                                "root_only: false\n            vm_configuration: vm-conf-7");
        // the filters' System.Logger ends in java.util.logging here (no SLF4J bridge in tests)
        StringBuilder log = new StringBuilder();
        java.util.logging.Handler capture =
                new java.util.logging.Handler() {
                    @Override
                    public void publish(java.util.logging.LogRecord r) {
                        synchronized (log) {
                            log.append(r.getMessage()).append('\n');
                        }
                    }

                    @Override
                    public void flush() {}

                    @Override
                    public void close() {}
                };
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.addHandler(capture);
        try (Weir w = Weir.start(yaml, 1, REGISTRY)) {
            assertThat(failures(w)).isZero();
        } finally {
            root.removeHandler(capture);
        }
        String out;
        synchronized (log) {
            out = log.toString();
        }
        assertThat(out).contains("vm config: vm-conf-7", "plugin config: plugin-conf-42");
    }

    /** Modules whose effect is logs or stats: they must start and serve without a VM failure. */
    @Test
    void otherSdkModulesStartAndServe() throws Exception {
        String[][] modules = {
            {"go-examples/helloworld/main.wasm", ""},
            {"go-examples/properties/main.wasm", ""},
            {"go-examples/shared_data/main.wasm", ""},
            {"go-examples/metrics/main.wasm", ""},
            {"go-examples/http_routing/main.wasm", ""},
            {"cc-examples/on_request_headers/http.wasm", ""},
        };
        StringBuilder report = new StringBuilder();
        try (TestUpstream up = new TestUpstream("up")) {
            for (String[] mod : modules) {
                Path m = corpus(mod[0]);
                try (Weir w =
                        Weir.start(yaml(up.address(), up.address(), m, mod[1]), 2, REGISTRY)) {
                    RawClient.Response r =
                            send(w, "GET / HTTP/1.1\r\nHost: x\r\nmy-custom-header: foo\r\n\r\n");
                    report.append(mod[0]).append(" -> ").append(r.status()).append('\n');
                    assertThat(failures(w)).as(mod[0]).isZero();
                    assertThat(r.status()).as(mod[0]).isBetween(200, 499);
                }
            }
        }
        System.out.print(report);
    }
}
