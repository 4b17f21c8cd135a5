package io.weir.filters.wasm;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One instance of a module on one worker: the Chicory {@link Instance}, its memory, the host
 * functions bound to it ({@link Abi}), the guest's exports, and the contexts living in it: one root
 * context per filter using the VM ({@link WasmRoot}; several when filters share a {@code vm_id})
 * and the stream contexts they made, numbered from one sequence. Every call into the guest goes
 * through {@link #call}, which sets the effective context and its root, arms the watchdog and turns
 * a trap, {@code proc_exit} or timeout into {@link VmFailure}; after one failure the VM is poisoned
 * and never called again. Worker thread only.
 */
final class WasmVm {
    /** The guest failed; the VM must be discarded. */
    static final class VmFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String reason;

        VmFailure(String reason, String message, Throwable cause) {
            super(message, cause);
            this.reason = reason;
        }
    }

    /** Thrown by the WASI {@code proc_exit} import. */
    static final class ProcExit extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ProcExit(int code) {
            super("proc_exit(" + code + ")", null, false, false);
        }
    }

    final Instance instance;
    final Memory memory;
    final Abi abi;
    private final Map<String, ExportFunction> exports = new HashMap<>();
    private final Map<String, Integer> arity = new HashMap<>();

    /** Exports no body, trailer callback: streams can skip the kernel's body callbacks. */
    final boolean headersOnly;

    /** Exports {@code proxy_on_log}. */
    final boolean hasLog;

    private final Watchdog watchdog;
    private final long timeoutNanos;

    /** The watchdog slot of the thread that last called in (the VM's worker, after start-up). */
    private Watchdog.Slot slot;

    private ExportFunction malloc;

    /** Root contexts by id: one per filter using this VM. */
    final Map<Integer, WasmRoot> roots = new HashMap<>();

    /** Stream contexts by id, of every root. */
    final StreamTable streams = new StreamTable();

    /** The key under which {@link VmRegistry} shares this VM, or null when it is not shared. */
    VmRegistry.Key key;

    private int nextContextId = 1;
    int effectiveContext;
    boolean failed;
    String failureReason;

    WasmVm(CompiledModule cm, Abi abi, int memoryMb, long timeoutNanos, Watchdog watchdog) {
        this.abi = abi;
        this.watchdog = watchdog;
        this.timeoutNanos = timeoutNanos;
        abi.vm = this;
        List<ImportFunction> fns = new ArrayList<>();
        for (int i = 0; i < cm.module.importSection().importCount(); i++) {
            Import im = cm.module.importSection().getImport(i);
            if (im instanceof FunctionImport fi) {
                FunctionType type = cm.module.typeSection().getType(fi.typeIndex());
                fns.add(
                        new HostFunction(
                                im.module(),
                                im.name(),
                                type,
                                abi.handle(im.module(), im.name(), type)));
            }
        }
        int maxPages = Math.max(1, memoryMb * 16);
        MemoryLimits declared = declaredMemory(cm);
        int initial = declared == null ? 1 : declared.initialPages();
        if (initial > maxPages) {
            throw new IllegalArgumentException(
                    "the module needs "
                            + initial
                            + " pages of memory at start, more than limits.memory_mb allows");
        }
        int max =
                declared == null
                        ? maxPages
                        : Math.min(maxPages, Math.max(initial, declared.maximumPages()));
        this.instance =
                Instance.builder(cm.module)
                        .withImportValues(ImportValues.builder().withFunctions(fns).build())
                        .withMachineFactory(cm.machines)
                        .withMemoryLimits(new MemoryLimits(initial, max))
                        .withStart(false)
                        .build();
        this.memory = instance.memory();
        for (int i = 0; i < cm.module.exportSection().exportCount(); i++) {
            var e = cm.module.exportSection().getExport(i);
            if (e.exportType() == com.dylibso.chicory.wasm.types.ExternalType.FUNCTION) {
                exports.put(e.name(), instance.export(e.name()));
                arity.put(e.name(), instance.exportType(e.name()).params().size());
            }
        }
        headersOnly =
                !exports.containsKey("proxy_on_request_body")
                        && !exports.containsKey("proxy_on_response_body")
                        && !exports.containsKey("proxy_on_request_trailers")
                        && !exports.containsKey("proxy_on_response_trailers");
        hasLog = exports.containsKey("proxy_on_log");
        malloc = exports.get("proxy_on_memory_allocate");
        if (malloc == null) {
            malloc = exports.get("malloc");
        }
    }

    private static MemoryLimits declaredMemory(CompiledModule cm) {
        var ms = cm.module.memorySection();
        if (ms.isPresent() && ms.get().memoryCount() > 0) {
            return ms.get().getMemory(0).limits();
        }
        for (int i = 0; i < cm.module.importSection().importCount(); i++) {
            if (cm.module.importSection().getImport(i)
                    instanceof com.dylibso.chicory.wasm.types.MemoryImport mi) {
                return mi.limits();
            }
        }
        return null;
    }

    /** A context id not used in this VM (proxy-wasm ids are u32; 0 means none). */
    int newContextId() {
        int id = nextContextId++;
        if (nextContextId == Integer.MAX_VALUE) {
            nextContextId = 1;
        }
        return id;
    }

    /** The root that owns context {@code id} (a root or one of its streams), or null. */
    WasmRoot owner(int id) {
        WasmRoot r = roots.get(id);
        if (r != null) {
            return r;
        }
        WasmStream s = streams.get(id);
        return s == null ? null : s.root;
    }

    /** Runs {@code _initialize} (reactor) or {@code _start} (command), then {@code main} if any. */
    void start() {
        if (exports.containsKey("_initialize")) {
            call(abi.root, 0, "_initialize");
        } else if (exports.containsKey("_start")) {
            try {
                call(abi.root, 0, "_start");
            } catch (VmFailure f) {
                if (!(f.getCause() instanceof ProcExit)) {
                    throw f;
                }
                failed = false; // a command's exit after main is its normal end
            }
        }
        if (exports.containsKey("main") && arity.get("main") == 2) {
            call(abi.root, 0, "main", 0, 0);
        }
    }

    boolean has(String export) {
        return exports.containsKey(export);
    }

    int arity(String export) {
        Integer a = arity.get(export);
        return a == null ? -1 : a;
    }

    /**
     * Calls an export with {@code context}, a context of {@code owner}, as the effective context;
     * extra arguments beyond the export's arity are dropped (0.1.0 callbacks have no {@code
     * end_of_stream}). Returns the first result, or 0.
     */
    long call(WasmRoot owner, int context, String name, long... args) {
        if (failed) {
            throw new VmFailure(failureReason, "the VM failed before", null);
        }
        ExportFunction f = exports.get(name);
        if (f == null) {
            return 0;
        }
        long[] a = args;
        if (a.length != 0) { // the callbacks with arguments: fit them to the export's arity
            int n = arity(name);
            if (a.length != n) {
                a = java.util.Arrays.copyOf(args, n);
            }
        }
        int prev = effectiveContext;
        WasmRoot prevOwner = abi.root;
        effectiveContext = context;
        abi.root = owner;
        Watchdog.Slot t = slot;
        if (t == null || t.thread != Thread.currentThread()) { // the VM's worker, once
            t = watchdog.slot();
            slot = t;
        }
        t.arm(timeoutNanos);
        try {
            long[] r = f.apply(a);
            return r == null || r.length == 0 ? 0 : r[0];
        } catch (ProcExit e) {
            throw fail("proc_exit", name + ": " + e.getMessage(), e);
        } catch (com.dylibso.chicory.runtime.ChicoryInterruptedException e) {
            throw fail("timeout", name + ": callback ran past callback_timeout", e);
        } catch (com.dylibso.chicory.wasm.ChicoryException | StackOverflowError e) {
            throw fail("trap", name + ": " + e.getMessage(), e);
        } catch (VmFailure e) {
            throw e;
        } catch (RuntimeException e) {
            throw fail("trap", name + ": " + e, e);
        } finally {
            t.disarm(); // also clears an interrupt that came as the call ended
            effectiveContext = prev;
            abi.root = prevOwner;
        }
    }

    private VmFailure fail(String reason, String message, Throwable cause) {
        failed = true;
        failureReason = reason;
        return new VmFailure(reason, message, cause);
    }

    // ---- guest memory -----------------------------------------------------------------------

    byte[] read(long ptr, long len) {
        int p = (int) ptr;
        int n = (int) (len & 0xFFFFFFFFL);
        if (n == 0) {
            return new byte[0];
        }
        return memory.readBytes(p, n);
    }

    String readString(long ptr, long len) {
        return new String(read(ptr, len), StandardCharsets.UTF_8);
    }

    /** Copies {@code data} into guest memory it allocates; writes the pointer and size. */
    void writeOut(byte[] data, long ptrPtr, long sizePtr) {
        int addr = allocate(data.length);
        if (data.length > 0) {
            memory.write(addr, data, 0, data.length);
        }
        memory.writeI32((int) ptrPtr, addr);
        memory.writeI32((int) sizePtr, data.length);
    }

    int allocate(int size) {
        if (malloc == null) {
            throw new VmFailure(
                    "trap", "the module exports neither proxy_on_memory_allocate nor malloc", null);
        }
        long[] r = malloc.apply(Math.max(size, 1));
        int addr = (int) r[0];
        if (addr == 0) {
            throw new VmFailure("trap", "the module could not allocate " + size + " bytes", null);
        }
        return addr;
    }
}
