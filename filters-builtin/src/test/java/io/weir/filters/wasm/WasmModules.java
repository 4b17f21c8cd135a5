package io.weir.filters.wasm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Builds the Wasm modules the tests run, with the JDK only: C sources from {@code
 * src/test/resources/wasm/} compiled by clang into proxy-wasm reactor modules (with the header in
 * {@code plugins-examples/wasm-abi}), and WAT text assembled by wat2wasm.
 *
 * <p>A missing tool or a failed build throws {@link IllegalStateException} with the tool's own
 * output: Wasm tests never skip, and {@code .ci/test} installs the tools (Debian {@code clang lld
 * wasi-libc libclang-rt-14-dev-wasm32 wabt}).
 *
 * <p>Each build is cached for the life of the JVM in a temporary directory, keyed by the SHA-256 of
 * the tool's command line and inputs, so tests that use the same module compile it once. The
 * methods are synchronized (one build at a time) and copy the cached module into the caller's
 * directory, which the caller owns.
 */
public final class WasmModules {

    /**
     * The flags of {@code plugins-examples/wasm-add-header-c/build.sh}, before {@code -I} and the
     * output.
     */
    public static final List<String> CLANG_FLAGS =
            List.of(
                    "--target=wasm32-wasi",
                    "-O2",
                    "-mexec-model=reactor",
                    "-Wl,--strip-debug",
                    "-Wall",
                    "-Wextra",
                    "-Werror");

    private static final String INCLUDE = "plugins-examples/wasm-abi";
    private static final long TIMEOUT_SECONDS = 120;

    private static Path cacheDir;
    private static int toolRuns;

    private WasmModules() {}

    /**
     * Compiles the C resource {@code wasm/<resourceName>} (e.g. {@code "pause_callout.c"}) and
     * returns {@code outDir/<name without .c>.wasm}.
     */
    public static synchronized Path compileC(String resourceName, Path outDir) {
        String resource = "/wasm/" + resourceName;
        try (InputStream in = WasmModules.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + resource);
            }
            return compileCSource(
                    resourceName, new String(in.readAllBytes(), StandardCharsets.UTF_8), outDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Compiles C {@code source} as the file {@code fileName} (the name clang's messages show) and
     * returns {@code outDir/<fileName without .c>.wasm}.
     */
    public static synchronized Path compileCSource(String fileName, String source, Path outDir) {
        String file = Path.of(fileName).getFileName().toString();
        Path include = includeDir();
        List<String> command = new ArrayList<>();
        command.add("clang");
        command.addAll(CLANG_FLAGS);
        command.add("-I" + include);
        command.add("-o");
        command.add("out.wasm");
        command.add(file);
        String header = read(include.resolve("weir_proxy_wasm.h"));
        return build(command, file, source, header, outDir, stripSuffix(file, ".c"));
    }

    /** Assembles WAT text with wat2wasm and returns {@code outDir/<name>.wasm}. */
    public static synchronized Path wat(String watText, Path outDir, String name) {
        String base = stripSuffix(name, ".wasm");
        List<String> command = List.of("wat2wasm", base + ".wat", "-o", "out.wasm");
        return build(command, base + ".wat", watText, "", outDir, base);
    }

    /**
     * The repository root: the nearest directory at or above the working one holding the header.
     */
    public static Path repositoryRoot() {
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve(INCLUDE))) {
                return dir;
            }
        }
        throw new IllegalStateException("no " + INCLUDE + " in " + start + " or above it");
    }

    /** {@code plugins-examples/wasm-abi}, which holds {@code weir_proxy_wasm.h}. */
    public static Path includeDir() {
        return repositoryRoot().resolve(INCLUDE);
    }

    /** How many times a tool has run in this JVM (cached builds do not count). */
    static synchronized int toolRuns() {
        return toolRuns;
    }

    /**
     * Runs {@code command} in a directory holding {@code source} as {@code fileName}, unless the
     * same build is cached, and copies the resulting {@code out.wasm} to {@code
     * outDir/<base>.wasm}.
     */
    private static Path build(
            List<String> command,
            String fileName,
            String source,
            String extraInput,
            Path outDir,
            String base) {
        try {
            String key = sha256(String.join("\0", command) + "\0" + extraInput + "\0" + source);
            Path work = cacheDir().resolve(key);
            Path built = work.resolve("out.wasm");
            if (!Files.exists(built)) {
                Files.createDirectories(work);
                Files.writeString(work.resolve(fileName), source);
                run(command, work, fileName);
            }
            Files.createDirectories(outDir);
            return Files.copy(
                    built, outDir.resolve(base + ".wasm"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void run(List<String> command, Path work, String fileName) throws IOException {
        String tool = command.get(0);
        Path log = work.resolve("tool-output.txt");
        Process p;
        try {
            p =
                    new ProcessBuilder(command)
                            .directory(work.toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(log.toFile())
                            .start();
        } catch (IOException e) {
            throw new IllegalStateException(
                    tool
                            + " could not be started ("
                            + e.getMessage()
                            + "); the Wasm tests need clang, lld, wasi-libc,"
                            + " libclang-rt-14-dev-wasm32 and wabt (Debian), as .ci/test installs",
                    e);
        }
        toolRuns++;
        boolean exited;
        try {
            exited = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException(tool + " interrupted building " + fileName, e);
        }
        if (!exited) {
            p.destroyForcibly();
            throw new IllegalStateException(
                    tool
                            + " did not finish building "
                            + fileName
                            + " in "
                            + TIMEOUT_SECONDS
                            + " s");
        }
        String output = read(log).strip();
        if (p.exitValue() != 0 || !Files.exists(work.resolve("out.wasm"))) {
            Files.deleteIfExists(work.resolve("out.wasm"));
            throw new IllegalStateException(
                    tool
                            + " failed (exit "
                            + p.exitValue()
                            + ") building "
                            + fileName
                            + ":\n"
                            + output
                            + "\ncommand: "
                            + String.join(" ", command));
        }
    }

    private static Path cacheDir() throws IOException {
        if (cacheDir == null) {
            Path dir = Files.createTempDirectory("weir-wasm-modules-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            cacheDir = dir;
        }
        return cacheDir;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary directory left behind at exit; nothing else to do
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String stripSuffix(String name, String suffix) {
        String base = Path.of(name).getFileName().toString();
        return base.endsWith(suffix) ? base.substring(0, base.length() - suffix.length()) : base;
    }

    private static String sha256(String s) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
