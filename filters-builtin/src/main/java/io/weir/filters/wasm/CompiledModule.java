package io.weir.filters.wasm;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A parsed module and its machine factory (the module compiled to JVM bytecode by Chicory), shared
 * by every instance of the same module content in the process. Thread-safe.
 */
final class CompiledModule {
    private static final ConcurrentHashMap<String, CompiledModule> CACHE =
            new ConcurrentHashMap<>();

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
        return CACHE.computeIfAbsent(
                h,
                k -> {
                    WasmModule m = Parser.parse(bytes);
                    return new CompiledModule(k, m, MachineFactoryCompiler.compile(m));
                });
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
