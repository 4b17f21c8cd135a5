package io.weir.filters.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the Wasm toolchain works where the tests run: every C test module compiles to a proxy-wasm
 * reactor module with the expected exports, WAT assembles, failures carry the tool's message, and
 * builds are cached.
 */
class WasmModulesTest {

    private static final byte[] MAGIC_AND_VERSION = {0, 'a', 's', 'm', 1, 0, 0, 0};

    /** Every C resource and the callbacks it must export besides the common exports. */
    private static final Map<String, Set<String>> CALLBACKS =
            Map.ofEntries(
                    Map.entry(
                            "add_header.c",
                            Set.of(
                                    "proxy_on_configure",
                                    "proxy_on_request_headers",
                                    "proxy_on_response_headers")),
                    Map.entry(
                            "pause_callout.c",
                            Set.of(
                                    "proxy_on_configure",
                                    "proxy_on_request_headers",
                                    "proxy_on_http_call_response",
                                    "proxy_on_delete")),
                    Map.entry(
                            "tick.c",
                            Set.of(
                                    "proxy_on_configure",
                                    "proxy_on_tick",
                                    "proxy_on_request_headers")),
                    Map.entry("shared_cas.c", Set.of("proxy_on_request_headers")),
                    Map.entry("trap.c", Set.of("proxy_on_request_headers")),
                    Map.entry("loop.c", Set.of("proxy_on_request_headers")),
                    Map.entry("grow.c", Set.of("proxy_on_request_headers")),
                    Map.entry("body.c", Set.of("proxy_on_request_body")),
                    Map.entry(
                            "metrics.c", Set.of("proxy_on_configure", "proxy_on_request_headers")),
                    Map.entry("properties.c", Set.of("proxy_on_request_headers")),
                    Map.entry(
                            "abi_groups.c",
                            Set.of(
                                    "proxy_on_request_headers",
                                    "proxy_on_request_trailers",
                                    "proxy_on_response_headers",
                                    "proxy_on_log")),
                    Map.entry(
                            "vm_share.c",
                            Set.of(
                                    "proxy_on_context_create",
                                    "proxy_on_vm_start",
                                    "proxy_on_configure",
                                    "proxy_on_request_headers",
                                    "proxy_on_queue_ready",
                                    "proxy_on_delete")));

    private static final Set<String> COMMON_EXPORTS =
            Set.of("memory", "_initialize", "proxy_abi_version_0_2_1", "proxy_on_memory_allocate");

    @TempDir Path dir;

    @Test
    void compilesEveryCModuleToAReactorThatImportsOnlyProxyWasmFunctions() throws IOException {
        assertThat(cResources()).containsExactlyInAnyOrderElementsOf(CALLBACKS.keySet());
        for (Map.Entry<String, Set<String>> e : CALLBACKS.entrySet()) {
            Path wasm = WasmModules.compileC(e.getKey(), dir);

            byte[] bytes = Files.readAllBytes(wasm);
            assertThat(wasm.getFileName().toString()).isEqualTo(e.getKey().replace(".c", ".wasm"));
            assertThat(bytes).startsWith(MAGIC_AND_VERSION);
            Sections s = Sections.read(bytes);
            Set<String> expected = new TreeSet<>(COMMON_EXPORTS);
            expected.addAll(e.getValue());
            assertThat(s.exports()).as(e.getKey()).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(s.imports())
                    .as(e.getKey())
                    .isNotEmpty()
                    .allSatisfy(i -> assertThat(i).startsWith("env.proxy_"));
        }
    }

    @Test
    void addHeaderTestModuleIsTheExample() throws IOException {
        Path example =
                WasmModules.repositoryRoot()
                        .resolve("plugins-examples/wasm-add-header-c/add_header.c");
        Path resource = WasmModules.repositoryRoot().resolve(resources().resolve("add_header.c"));
        assertThat(resource).hasSameBinaryContentAs(example);
    }

    @Test
    void compilesOnceForTheSameSource(@TempDir Path other) throws IOException {
        Path first = WasmModules.compileC("trap.c", dir);
        int runs = WasmModules.toolRuns();

        Path second = WasmModules.compileC("trap.c", other);

        assertThat(WasmModules.toolRuns()).isEqualTo(runs);
        assertThat(second).isNotEqualTo(first).hasSameBinaryContentAs(first);
    }

    @Test
    void failedCompileThrowsWithTheCompilerMessage() {
        assertThatThrownBy(() -> WasmModules.compileCSource("broken.c", "int f( {\n", dir))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("clang failed (exit 1) building broken.c:")
                .hasMessageContaining("broken.c:1:")
                .hasMessageContaining("error:");
        assertThat(dir.resolve("broken.wasm")).doesNotExist();
    }

    @Test
    void warningsFailTheBuild() {
        assertThatThrownBy(
                        () ->
                                WasmModules.compileCSource(
                                        "warn.c", "int f(void) { int unused; return 0; }\n", dir))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("-Werror");
    }

    @Test
    void unknownResourceIsAnError() {
        assertThatThrownBy(() -> WasmModules.compileC("nope.c", dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no test resource /wasm/nope.c");
    }

    @Test
    void assemblesWat() throws IOException {
        Path wasm =
                WasmModules.wat(
                        "(module (func (export \"answer\") (result i32) i32.const 42))", dir, "m");

        assertThat(wasm).isEqualTo(dir.resolve("m.wasm"));
        byte[] bytes = Files.readAllBytes(wasm);
        assertThat(bytes).startsWith(MAGIC_AND_VERSION);
        assertThat(Sections.read(bytes).exports()).containsExactly("answer");
    }

    @Test
    void failedWatThrowsWithTheAssemblerMessage() {
        assertThatThrownBy(() -> WasmModules.wat("(module (func (bogus)))", dir, "bad"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("wat2wasm failed (exit 1) building bad.wat:")
                .hasMessageContaining("bad.wat:1:");
    }

    private static Path resources() {
        return Path.of("filters-builtin/src/test/resources/wasm");
    }

    private static List<String> cResources() throws IOException {
        try (Stream<Path> files = Files.list(WasmModules.repositoryRoot().resolve(resources()))) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".c"))
                    .toList();
        }
    }

    /** Import ({@code module.name}) and export names of a module, read from its sections. */
    private record Sections(List<String> imports, List<String> exports) {

        static Sections read(byte[] module) {
            ByteBuffer b = ByteBuffer.wrap(module);
            b.position(MAGIC_AND_VERSION.length);
            List<String> imports = new ArrayList<>();
            List<String> exports = new ArrayList<>();
            while (b.hasRemaining()) {
                int id = b.get() & 0xff;
                int size = u32(b);
                int end = b.position() + size;
                if (id == 2) {
                    for (int n = u32(b); n > 0; n--) {
                        imports.add(name(b) + "." + name(b));
                        skipImportDescription(b);
                    }
                } else if (id == 7) {
                    for (int n = u32(b); n > 0; n--) {
                        exports.add(name(b));
                        b.get();
                        u32(b);
                    }
                }
                b.position(end);
            }
            return new Sections(imports, exports);
        }

        private static void skipImportDescription(ByteBuffer b) {
            switch (b.get()) {
                case 0 -> u32(b); // function: type index
                case 1 -> { // table: reference type, limits
                    b.get();
                    limits(b);
                }
                case 2 -> limits(b); // memory
                case 3 -> b.position(b.position() + 2); // global: value type, mutability
                default -> throw new IllegalArgumentException("unknown import kind");
            }
        }

        private static void limits(ByteBuffer b) {
            int flags = b.get();
            u32(b);
            if ((flags & 1) != 0) {
                u32(b);
            }
        }

        private static String name(ByteBuffer b) {
            byte[] s = new byte[u32(b)];
            b.get(s);
            return new String(s, StandardCharsets.UTF_8);
        }

        /** An unsigned LEB128 number of at most 32 bits. */
        private static int u32(ByteBuffer b) {
            int result = 0;
            for (int shift = 0; ; shift += 7) {
                int x = b.get() & 0xff;
                result |= (x & 0x7f) << shift;
                if ((x & 0x80) == 0) {
                    return result;
                }
            }
        }
    }
}
