package io.weir.distro;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Wasm examples of {@code plugins-examples/}, as the Maven build made them ({@code
 * wasm-*&#47;target/filter.wasm}, built before this module in the reactor), served by {@code weir
 * run} with the built-in filters it discovers, in front of real upstreams: each language's
 * add-header module adds its header both ways, and the authorization example pauses on a call-out
 * and then resumes or answers 403, also when the authorization service is down or slow.
 */
class WasmExamplesIntegrationTest {
    static final List<String> LANGUAGES = List.of("c", "cpp", "rust", "assemblyscript");

    @TempDir static Path dir;
    static TestUpstream upstream;
    static TestUpstream authz;
    static Weir weir;

    static List<String> languages() {
        return LANGUAGES;
    }

    /** target/filter.wasm of the example {@code name}; fails when the build has not made it. */
    static Path module(String name) {
        Path examples = Path.of(System.getProperty("weir.test.examples"));
        Path module = examples.resolve(name).resolve("target/filter.wasm");
        assertThat(module)
                .as("%s is built by `mvn package` before the distro module's tests", module)
                .isNotEmptyFile();
        return module;
    }

    @BeforeAll
    static void start() throws Exception {
        upstream = new TestUpstream("up");
        authz =
                new TestUpstream("authz")
                        .on("/check/slow", ex -> delayed(ex, 2_000))
                        .on("/check", WasmExamplesIntegrationTest::authorize);
        StringBuilder listeners = new StringBuilder();
        for (String lang : LANGUAGES) {
            listeners.append(
                    listener(
                            lang,
                            module("wasm-add-header-" + lang),
                            "'{\"header\": \"x-hello\", \"value\": \"" + lang + "\"}'"));
            listeners.append(
                    listener(
                            "soak-" + lang,
                            module("wasm-add-header-" + lang),
                            "'{\"header\": \"x-hello\", \"value\": \""
                                    + lang
                                    + "\"}',"
                                    + " limits: { memory_mb: "
                                    + soakMemoryMb(lang)
                                    + " }"));
        }
        Path authzModule = module("wasm-authz-callout-c");
        listeners.append(
                listener(
                        "authz",
                        authzModule,
                        "'{\"cluster\": \"authz\", \"path_prefix\": \"/check\"}'"));
        listeners.append(
                listener(
                        "authz-slow",
                        authzModule,
                        "'{\"cluster\": \"authz\", \"path_prefix\": \"/check/slow\","
                                + " \"timeout_ms\": 300}'"));
        listeners.append(listener("authz-down", authzModule, "'{\"cluster\": \"closed\"}'"));
        String yaml =
                "admin: { address: 127.0.0.1:0 }\nlisteners:\n"
                        + listeners
                        + "clusters:\n"
                        + "  - name: backend\n"
                        + "    endpoints: [{ address: "
                        + upstream.address()
                        + " }]\n"
                        + "  - name: authz\n"
                        + "    endpoints: [{ address: "
                        + authz.address()
                        + " }]\n"
                        + "  - name: closed\n"
                        + "    endpoints: [{ address: 127.0.0.1:"
                        + closedPort()
                        + " }]\n";
        weir = Weir.run(Files.writeString(dir.resolve("weir.yaml"), yaml));
    }

    @AfterAll
    static void stop() throws Exception {
        if (weir != null) {
            weir.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        if (authz != null) {
            authz.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("languages")
    void theAddHeaderExampleAddsItsHeaderToRequestAndResponse(String lang) throws Exception {
        int before = upstream.requests();
        // new connections, so that both workers (each with its own VM) are likely to serve
        for (int i = 0; i < 4; i++) {
            RawClient.Response r = get(lang, "/hello", "");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            // exactly once each way (RawClient joins repeated fields with ',')
            assertThat(r.header("x-hello")).isEqualTo(lang);
            assertThat(r.header("x-upstream")).isEqualTo("up");
            assertThat(r.body()).contains("h:x-hello=" + lang + "\n");
            assertThat(r.body().split("h:x-hello=", -1)).hasSize(2);
        }
        assertThat(upstream.requests() - before).isEqualTo(4);
    }

    /**
     * Each add-header example, with at most 1 MiB of guest memory beyond what it needs at start
     * ({@link #soakMemoryMb}), serves 40,000 requests on one connection, so on one worker's VM. A
     * module whose heap grows with every stream runs out of that and traps: the AssemblyScript
     * example did, at about 36 bytes a request (near 29,000 requests here), until it stopped using
     * SDK 0.1.8's leaking stream callbacks.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("languages")
    void theAddHeaderExampleServes40000RequestsInOneMebibyteOfGuestMemory(String lang)
            throws Exception {
        int total = 40_000;
        int batch = 100; // pipelined: one write, then the responses in order
        byte[] requests =
                "GET /soak HTTP/1.1\r\nHost: example\r\n\r\n"
                        .repeat(batch)
                        .getBytes(StandardCharsets.ISO_8859_1);
        try (RawClient c = new RawClient(weir.port("soak-" + lang))) {
            for (int sent = 0; sent < total; sent += batch) {
                c.send(requests);
                for (int i = 1; i <= batch; i++) {
                    int n = sent + i;
                    RawClient.Response r = c.read();
                    assertThat(r.status()).as("the status of response %d", n).isEqualTo(200);
                    assertThat(r.header("x-hello")).as("x-hello of response %d", n).isEqualTo(lang);
                    assertThat(r.header("content-length"))
                            .as("content-length of response %d", n)
                            .isEqualTo(String.valueOf(r.body().length()));
                }
            }
        }
    }

    /**
     * The guest memory limit of the soak listener: 1 MiB, except 2 for Rust, whose module asks for
     * 17 pages (its 1 MiB stack and its data) at start.
     */
    static int soakMemoryMb(String lang) {
        return lang.equals("rust") ? 2 : 1;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("languages")
    void theAddHeaderExampleRejectsABadConfiguration(String lang) throws Exception {
        for (String config :
                List.of(
                        "'{\"header\": \"bad name\", \"value\": \"v\"}'",
                        "'{\"value\": \"no header\"}'",
                        "'not json'")) {
            String yaml =
                    "admin: { address: 127.0.0.1:0 }\nlisteners:\n"
                            + listener(lang, module("wasm-add-header-" + lang), config)
                            + "clusters:\n  - name: backend\n    endpoints: [{ address: "
                            + upstream.address()
                            + " }]\n";
            Path file = Files.writeString(dir.resolve("bad-" + lang + ".yaml"), yaml);
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code =
                    Main.run(
                            new String[] {"run", "-c", file.toString()},
                            new PrintStream(new ByteArrayOutputStream(), true),
                            new PrintStream(err, true, StandardCharsets.UTF_8),
                            null);
            String message = err.toString(StandardCharsets.UTF_8);
            assertThat(code).as(config + ": " + message).isNotZero();
            assertThat(message).as(config).contains("rejected its configuration");
        }
    }

    @Test
    void theAuthorizationExampleResumesAnAllowedRequestWithTheServicesUser() throws Exception {
        RawClient.Response r =
                get(
                        "authz",
                        "/orders?id=7",
                        "Authorization: Bearer good\r\nx-auth-user: mallory\r\n");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.header("x-upstream")).isEqualTo("up");
        assertThat(r.body()).contains("uri=/orders?id=7\n", "h:x-auth-user=alice\n");
        assertThat(r.body()).doesNotContain("mallory");
        // what the service was asked
        assertThat(lastCheck.get()).isEqualTo("GET /check/orders?id=7 Bearer good");
    }

    @Test
    void theAuthorizationExampleAnswers403WhenTheServiceSaysNo() throws Exception {
        int before = upstream.requests();
        for (String auth : List.of("Authorization: Bearer bad\r\n", "")) {
            RawClient.Response r = get("authz", "/orders", auth);
            assertThat(r.status()).as(r.toString()).isEqualTo(403);
            assertThat(r.body()).isEqualTo("denied by authz\n");
        }
        assertThat(upstream.requests()).isEqualTo(before);
    }

    @Test
    void theAuthorizationExampleFailsClosedWhenTheServiceIsDownOrSlow() throws Exception {
        int before = upstream.requests();
        for (String listener : List.of("authz-down", "authz-slow")) {
            long start = System.nanoTime();
            RawClient.Response r = get(listener, "/orders", "Authorization: Bearer good\r\n");
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(r.status()).as(listener + " " + r).isEqualTo(403);
            assertThat(r.body()).isEqualTo("authz unavailable\n");
            assertThat(millis)
                    .as("%s answered after the call's 300 ms timeout at most", listener)
                    .isLessThan(1_500);
        }
        assertThat(upstream.requests()).isEqualTo(before);
    }

    // ---- helpers ----

    static final AtomicReference<String> lastCheck = new AtomicReference<>();

    /** The authorization service: 200 with x-auth-user: alice for "Bearer good", else 403. */
    static void authorize(HttpExchange ex) throws IOException {
        String auth = ex.getRequestHeaders().getFirst("authorization");
        URI uri = ex.getRequestURI();
        lastCheck.set(ex.getRequestMethod() + " " + uri + " " + auth);
        boolean ok = "Bearer good".equals(auth);
        if (ok) {
            ex.getResponseHeaders().set("x-auth-user", "alice");
        }
        ex.sendResponseHeaders(ok ? 200 : 403, -1);
        ex.close();
    }

    static void delayed(HttpExchange ex, long millis) throws IOException {
        try {
            Thread.sleep(millis); // the slow authorization service (a server thread, not Weir's)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        authorize(ex);
    }

    static String listener(String name, Path module, String configuration) {
        return """
                  - name: %s
                    address: 127.0.0.1:0
                    http:
                      filters:
                        - name: weir.wasm
                          config: { module: %s, configuration: %s }
                      virtual_hosts:
                        - name: d
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/" }
                              route: { cluster: backend }
                """
                .formatted(name, module, configuration);
    }

    static RawClient.Response get(String listener, String path, String headers) throws IOException {
        try (RawClient c = new RawClient(weir.port(listener))) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: example\r\n" + headers + "\r\n");
            return c.read();
        }
    }

    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort(); // closed again: nothing listens there
        }
    }

    /** {@code weir run -c FILE} on its own thread, as the command line runs it. */
    static final class Weir implements AutoCloseable {
        final DropInPluginIntegrationTest.LineWatch out =
                new DropInPluginIntegrationTest.LineWatch();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final CompletableFuture<Integer> exit = new CompletableFuture<>();

        static Weir run(Path file) throws Exception {
            Weir w = new Weir();
            Thread main =
                    new Thread(
                            () -> {
                                try (PrintStream o =
                                                new PrintStream(
                                                        w.out, true, StandardCharsets.UTF_8);
                                        PrintStream e =
                                                new PrintStream(
                                                        w.err, true, StandardCharsets.UTF_8)) {
                                    w.exit.complete(
                                            Main.run(
                                                    new String[] {
                                                        "run",
                                                        "-c",
                                                        file.toString(),
                                                        "--concurrency",
                                                        "2"
                                                    },
                                                    o,
                                                    e,
                                                    null));
                                }
                            },
                            "weir-main");
            main.setDaemon(true);
            main.start();
            CompletableFuture.anyOf(w.out.started, w.exit).get(60, TimeUnit.SECONDS);
            assertThat(w.exit.isDone())
                    .as("weir exited: %s", w.err.toString(StandardCharsets.UTF_8))
                    .isFalse();
            return w;
        }

        int port(String listener) {
            String url =
                    out.find(
                            "listening name="
                                    + listener
                                    + " address=http://127\\.0\\.0\\.1:(\\d+)");
            return Integer.parseInt(url);
        }

        @Override
        public void close() throws Exception {
            String admin = out.find("admin address=(http://127\\.0\\.0\\.1:\\d+)");
            java.net.http.HttpClient.newHttpClient()
                    .send(
                            java.net.http.HttpRequest.newBuilder(
                                            URI.create(admin + "/quitquitquit"))
                                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody())
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.discarding());
            assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
        }
    }
}
