package io.weir.filters.wasm;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Function;

/**
 * A parsed module and its machine factory (the module compiled to JVM bytecode by Chicory), shared
 * by every instance of the same module content in the process. Thread-safe.
 */
final class CompiledModule {
    /** Distinct module contents kept compiled; older ones are dropped (a reload recompiles). */
    static final int MAX_CACHED = 16;

    private static final java.util.Map<String, CompiledModule> CACHE =
            java.util.Collections.synchronizedMap(
                    new java.util.LinkedHashMap<>(16, 0.75f, true) {
                        private static final long serialVersionUID = 1L;

                        @Override
                        protected boolean removeEldestEntry(
                                java.util.Map.Entry<String, CompiledModule> eldest) {
                            return size() > MAX_CACHED;
                        }
                    });

    private static final DiskCache DISK = DiskCache.fromSystem();

    final String hash;
    final WasmModule module;
    final Function<Instance, Machine> machines;

    private CompiledModule(String hash, WasmModule module, Function<Instance, Machine> machines) {
        this.hash = hash;
        this.module = module;
        this.machines = machines;
    }

    /** The compiled module for these bytes, compiled on first use. */
    static CompiledModule of(byte[] bytes) {
        String h = sha256(bytes);
        CompiledModule c = CACHE.get(h);
        if (c != null) {
            return c;
        }
        // compiled outside the lock: two loads of a new module may both compile it, once
        WasmModule m = Parser.parse(bytes);
        c = new CompiledModule(h, m, MachineFactoryCompiler.builder(m).withCache(DISK).compile());
        CompiledModule prev = CACHE.putIfAbsent(h, c);
        return prev != null ? prev : c;
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
