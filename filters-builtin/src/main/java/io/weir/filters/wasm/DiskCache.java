package io.weir.filters.wasm;

import com.dylibso.chicory.compiler.Cache;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Chicory's compiled classes kept in a directory, so that a restart does not recompile a module:
 * one file per cache key (its SHA-256), written to a temporary name and moved into place. The
 * directory is the system property {@code weir.wasm.cache_dir}, else {@code
 * $TMPDIR/weir-wasm-cache}. Any I/O problem just means a recompile. Thread-safe.
 */
final class DiskCache implements Cache {
    private final Path dir;

    DiskCache(Path dir) {
        this.dir = dir;
    }

    static DiskCache fromSystem() {
        String d = System.getProperty("weir.wasm.cache_dir");
        return new DiskCache(
                d != null
                        ? Path.of(d)
                        : Path.of(System.getProperty("java.io.tmpdir"), "weir-wasm-cache"));
    }

    private Path file(String key) {
        return dir.resolve(CompiledModule.sha256(key.getBytes(StandardCharsets.UTF_8)) + ".bin");
    }

    @Override
    public byte[] get(String key) throws IOException {
        try {
            return Files.readAllBytes(file(key));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    @Override
    public void putIfAbsent(String key, byte[] data) throws IOException {
        Path f = file(key);
        if (Files.exists(f)) {
            return;
        }
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "put-", ".tmp");
        try {
            Files.write(tmp, data);
            try {
                Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
