package io.weir.filters.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The add-header examples of {@code plugins-examples/wasm/} (Rust, C++ and, when present, C), each
 * compiled here with its language's toolchain and run by a real Weir in front of a real upstream:
 * the configured header reaches the upstream and comes back on the response, and a bad
 * configuration is rejected by the module's {@code proxy_on_configure}.
 *
 * <p>A missing toolchain or a failing compiler fails the test with the compiler's output, never
 * skips it: {@code .ci/test} installs the Debian packages (clang lld wasi-libc
 * libclang-rt-14-dev-wasm32 rustc libstd-rust-dev-wasm32 libc++-14-dev-wasm32
 * libc++abi-14-dev-wasm32).
 */
class WasmLanguageExamplesIntegrationTest {
    static final FilterRegistry REGISTRY =
            FilterRegistry.of(Map.of("weir.wasm", new WasmFilterFactory()));

    private static final String EXAMPLES = "plugins-examples/wasm";
    private static final long BUILD_TIMEOUT_SECONDS = 300;

    /** Modules built so far in this class, by language: each is compiled once. */
    private static final Map<String, Path> BUILT = new HashMap<>();

    @TempDir static Path dir;

    /** The languages with an example: rust and cpp always, c when its source exists. */
    static Stream<String> languages() {
        List<String> langs = new ArrayList<>(List.of("rust", "cpp"));
        if (Files.exists(examples().resolve("c-add-header/add_header.c"))) {
            langs.add("c");
        }
        return langs.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("languages")
    void theExampleAddsTheConfiguredHeaderToRequestAndResponse(String lang) throws Exception {
        Path module = build(lang);
        String config = "'{\"header\": \"x-hello\", \"value\": \"" + lang + "\"}'";
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), module, config), 2, REGISTRY)) {
            // new connections, so that both workers (each with its own VM) are likely to serve
            for (int i = 0; i < 4; i++) {
                RawClient.Response r;
                try (RawClient c = new RawClient(w.port())) {
                    c.send("GET /hello HTTP/1.1\r\nHost: example\r\n\r\n");
                    r = c.read();
                }
                assertThat(r.status()).as(r.toString()).isEqualTo(200);
                // exactly once each way (RawClient joins repeated fields with ',')
                assertThat(r.header("x-hello")).isEqualTo(lang);
                assertThat(r.header("x-upstream")).isEqualTo("up");
                assertThat(r.body()).contains("h:x-hello=" + lang + "\n");
                assertThat(r.body().split("h:x-hello=", -1)).hasSize(2);
            }
            assertThat(up.requests()).isEqualTo(4);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("languages")
    void aBadConfigurationIsRejectedByTheModule(String lang) throws Exception {
        Path module = build(lang);
        try (TestUpstream up = new TestUpstream("up")) {
            for (String config :
                    List.of(
                            "'{\"header\": \"bad name\", \"value\": \"v\"}'",
                            "'{\"value\": \"no header\"}'",
                            "'not json'")) {
                assertThatThrownBy(
                                () -> {
                                    Weir.start(yaml(up.address(), module, config), 1, REGISTRY)
                                            .close();
                                })
                        .as(config)
                        .hasStackTraceContaining("rejected its configuration");
            }
            assertThat(up.requests()).isZero();
        }
    }

    static String yaml(String upstream, Path module, String configuration) {
        return """
                admin: { address: 127.0.0.1:0 }
                listeners:
                  - name: ingress
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
                clusters:
                  - name: backend
                    endpoints: [{ address: %s }]
                """
                .formatted(module, configuration, upstream);
    }

    /**
     * Compiles the example of {@code lang} into the class's temporary directory (once per class)
     * with the commands of the example's {@code build.sh} (Rust, C++) or of {@code
     * plugins-examples/wasm/build.sh} (C).
     */
    static synchronized Path build(String lang) throws Exception {
        Path cached = BUILT.get(lang);
        if (cached != null) {
            return cached;
        }
        Path examples = examples();
        Path out = dir.resolve(lang + "_add_header.wasm");
        List<String> command =
                switch (lang) {
                    case "rust" ->
                            List.of(
                                    "bash",
                                    examples.resolve("rust-add-header/build.sh").toString(),
                                    out.toString());
                    case "cpp" ->
                            List.of(
                                    "bash",
                                    examples.resolve("cpp-add-header/build.sh").toString(),
                                    out.toString());
                    case "c" ->
                            List.of(
                                    "clang",
                                    "--target=wasm32-wasi",
                                    "-O2",
                                    "-mexec-model=reactor",
                                    "-Wl,--strip-debug",
                                    "-Wall",
                                    "-Wextra",
                                    "-Werror",
                                    "-I" + examples.resolve("include"),
                                    "-o",
                                    out.toString(),
                                    examples.resolve("c-add-header/add_header.c").toString());
                    default -> throw new IllegalArgumentException(lang);
                };
        run(command, dir.resolve(lang + "-build.log"));
        assertThat(out).as("%s built %s", command, out).isNotEmptyFile();
        BUILT.put(lang, out);
        return out;
    }

    /** Runs {@code command}; fails (with its output) unless it exits 0 in time. */
    private static void run(List<String> command, Path log) throws Exception {
        Process p;
        try {
            p =
                    new ProcessBuilder(command)
                            .redirectErrorStream(true)
                            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                            .redirectOutput(log.toFile())
                            .start();
        } catch (IOException e) {
            throw new AssertionError(
                    "could not start "
                            + command
                            + " ("
                            + e.getMessage()
                            + "); .ci/test installs the toolchains",
                    e);
        }
        if (!p.waitFor(BUILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(
                    command + " did not finish in " + BUILD_TIMEOUT_SECONDS + " s:\n" + read(log));
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(
                    command + " failed (exit " + p.exitValue() + "):\n" + read(log));
        }
    }

    private static String read(Path log) throws IOException {
        return Files.readString(log).strip();
    }

    /** {@code plugins-examples/wasm} of the nearest directory at or above the working one. */
    static Path examples() {
        Path start = Path.of("").toAbsolutePath();
        for (Path d = start; d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve(EXAMPLES))) {
                return d.resolve(EXAMPLES);
            }
        }
        throw new IllegalStateException("no " + EXAMPLES + " in " + start + " or above it");
    }
}
