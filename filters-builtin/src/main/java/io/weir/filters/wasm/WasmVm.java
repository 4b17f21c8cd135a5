package io.weir.filters.wasm;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
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

    /**
     * The instance's machine. Callbacks call it directly, as Chicory's export wrapper does, without
     * the wrapper's lambda, its read of the export's index and the safe point it adds after each
     * call (about 35 ns a request in the profile for the add-header module's two callbacks). That
     * safe point sweeps the store of Wasm GC references when allocations asked for it, which only a
     * module using the GC proposal does; so that such a module still sweeps, one call in {@link
     * #DIRECT_CALLS} + 1 goes through the wrapper.
     */
    private final Machine machine;

    private static final int DIRECT_CALLS = 63;
    private int directCalls = DIRECT_CALLS;

    final Abi abi;
    private final Map<String, Export> exports = new HashMap<>();

    /**
     * An exported function with its arity and an argument array of that size, resolved once when
     * the VM is created: the per-request callbacks below are field reads, not two hash lookups per
     * call (a profile showed {@code HashMap.getNode} under every callback).
     */
    static final class Export {
        final String name;
        final ExportFunction fn;
        final int arity;

        /** The function's index, for the direct {@link Machine#call} of a callback. */
        final int index;

        /**
         * Reused for every call of this export: Chicory's compiled {@code call_N} (and the
         * interpreter's frame) unbox or copy the arguments before any guest code runs and never
         * keep the array, so a nested call into the VM (a local reply running the response
         * callbacks) may refill it. Worker thread only, like the VM.
         */
        private final long[] args;

        Export(String name, ExportFunction fn, int arity, int index) {
            this.name = name;
            this.fn = fn;
            this.arity = arity;
            this.index = index;
            this.args = new long[arity];
        }
    }

    /** The stream callbacks, or null when the module does not export them. */
    final Export onContextCreate;

    final Export onRequestHeaders;
    final Export onRequestBody;
    final Export onRequestTrailers;
    final Export onResponseHeaders;
    final Export onResponseBody;
    final Export onResponseTrailers;
    final Export onLog;
    final Export onDone;
    final Export onDelete;

    /** Exports no body, trailer callback: streams can skip the kernel's body callbacks. */
    final boolean headersOnly;

    /** Exports {@code proxy_on_log}. */
    final boolean hasLog;

    private final Watchdog watchdog;
    private final long timeoutNanos;

    /** The watchdog slot of the thread that last called in (the VM's worker, after start-up). */
    private Watchdog.Slot slot;

    private final Export malloc;

    /** Root contexts by id: one per filter using this VM. */
    final Map<Integer, WasmRoot> roots = new HashMap<>();

    /** Stream contexts by id, of every root. */
    final StreamTable streams = new StreamTable();

    /** The key under which {@link VmRegistry} shares this VM, or null when it is not shared. */
    VmRegistry.Key key;

    private int nextContextId = 1;
    int effectiveContext;

    /**
     * The stream of {@link #effectiveContext} when a stream's own callback made it effective, else
     * null (then {@link Abi#stream} looks it up in {@link #streams}): a host call on a stream finds
     * it without a table lookup.
     */
    WasmStream effectiveStream;

    boolean failed;
    String failureReason;

    WasmVm(CompiledModule cm, Abi abi, int memoryMb, long timeoutNanos, Watchdog watchdog) {
        this.abi = abi;
        this.watchdog = watchdog;
        this.timeoutNanos = timeoutNanos;
        watchdog.register(timeoutNanos);
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
                        .withMemoryFactory(ByteArrayMemory::new)
                        .withStart(false)
                        .build();
        this.memory = instance.memory();
        this.machine = instance.getMachine();
        for (int i = 0; i < cm.module.exportSection().exportCount(); i++) {
            var e = cm.module.exportSection().getExport(i);
            if (e.exportType() == com.dylibso.chicory.wasm.types.ExternalType.FUNCTION) {
                exports.put(
                        e.name(),
                        new Export(
                                e.name(),
                                instance.export(e.name()),
                                instance.exportType(e.name()).params().size(),
                                e.index()));
            }
        }
        onContextCreate = exports.get("proxy_on_context_create");
        onRequestHeaders = exports.get("proxy_on_request_headers");
        onRequestBody = exports.get("proxy_on_request_body");
        onRequestTrailers = exports.get("proxy_on_request_trailers");
        onResponseHeaders = exports.get("proxy_on_response_headers");
        onResponseBody = exports.get("proxy_on_response_body");
        onResponseTrailers = exports.get("proxy_on_response_trailers");
        onLog = exports.get("proxy_on_log");
        onDone = exports.get("proxy_on_done");
        onDelete = exports.get("proxy_on_delete");
        headersOnly =
                onRequestBody == null
                        && onResponseBody == null
                        && onRequestTrailers == null
                        && onResponseTrailers == null;
        hasLog = onLog != null;
        Export m = exports.get("proxy_on_memory_allocate");
        if (m == null) {
            m = exports.get("malloc");
        }
        malloc = m;
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
        if (exports.containsKey("main") && arity("main") == 2) {
            call(abi.root, 0, "main", 0, 0);
        }
    }

    boolean has(String export) {
        return exports.containsKey(export);
    }

    int arity(String export) {
        Export e = exports.get(export);
        return e == null ? -1 : e.arity;
    }

    /**
     * Calls an export with {@code context}, a context of {@code owner}, as the effective context;
     * extra arguments beyond the export's arity are dropped (0.1.0 callbacks have no {@code
     * end_of_stream}). Returns the first result, or 0.
     */
    long call(WasmRoot owner, int context, String name, long... args) {
        checkUsable();
        Export e = exports.get(name);
        if (e == null) {
            return 0;
        }
        long[] a = args;
        if (a.length != 0 && a.length != e.arity) { // fit the arguments to the export's arity
            a = java.util.Arrays.copyOf(args, e.arity);
        }
        return invoke(owner, context, null, e, a);
    }

    /**
     * {@link #call} of a callback resolved at creation (null: not exported, answers 0), without a
     * name lookup or a varargs array: the arguments go into the export's own array, fitted to its
     * arity; a callback of fewer arguments passes 0 for the rest, as {@link #call} pads them.
     */
    long call(WasmRoot owner, int context, Export e, long a0, long a1, long a2) {
        return call(owner, context, null, e, a0, a1, a2);
    }

    /**
     * {@link #call(WasmRoot, int, Export, long, long, long)} of a callback of {@code stream} (its
     * context is {@code context}), which host calls then find as {@link #effectiveStream}.
     */
    long call(WasmRoot owner, int context, WasmStream stream, Export e, long a0, long a1, long a2) {
        checkUsable();
        if (e == null) {
            return 0;
        }
        long[] a = e.args;
        int n = a.length; // slots past the third stay 0
        if (n > 0) {
            a[0] = a0;
        }
        if (n > 1) {
            a[1] = a1;
        }
        if (n > 2) {
            a[2] = a2;
        }
        return invoke(owner, context, stream, e, a);
    }

    private void checkUsable() {
        if (failed) {
            throw new VmFailure(failureReason, "the VM failed before", null);
        }
    }

    private long invoke(WasmRoot owner, int context, WasmStream stream, Export e, long[] a) {
        String name = e.name;
        int prev = effectiveContext;
        WasmStream prevStream = effectiveStream;
        WasmRoot prevOwner = abi.root;
        effectiveContext = context;
        effectiveStream = stream;
        abi.root = owner;
        Watchdog.Slot t = slot;
        if (t == null || t.thread != Thread.currentThread()) { // the VM's worker, once
            t = watchdog.slot();
            slot = t;
        }
        t.arm(timeoutNanos);
        try {
            long[] r;
            if (--directCalls >= 0) {
                r = machine.call(e.index, a);
            } else {
                directCalls = DIRECT_CALLS;
                r = e.fn.apply(a); // Chicory's own wrapper: the call, then its GC safe point
            }
            return r == null || r.length == 0 ? 0 : r[0];
        } catch (ProcExit x) {
            throw fail("proc_exit", name + ": " + x.getMessage(), x);
        } catch (com.dylibso.chicory.runtime.ChicoryInterruptedException x) {
            throw fail("timeout", name + ": callback ran past callback_timeout", x);
        } catch (com.dylibso.chicory.wasm.ChicoryException | StackOverflowError x) {
            throw fail("trap", name + ": " + x.getMessage(), x);
        } catch (VmFailure x) {
            throw x;
        } catch (RuntimeException x) {
            throw fail("trap", name + ": " + x, x);
        } finally {
            t.disarm(); // also clears an interrupt that came as the call ended
            effectiveContext = prev;
            effectiveStream = prevStream;
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

    /**
     * A guest string. Modules pass the same few short strings on every request (a header name and
     * value kept in their data, a property path), so the last string read at each (pointer,
     * length), hashed into {@link #STRINGS} slots, is answered again while guest memory still holds
     * the same bytes: a compare in place instead of a copy into a new array, a UTF-8 decode and a
     * second copy (the profile had {@code readString} and {@code readBytes} at ~4% of the worker's
     * samples with the add-header module). A hit means the range was in bounds before, and memory
     * never shrinks.
     */
    String readString(long ptr, long len) {
        int p = (int) ptr;
        int n = (int) (len & 0xFFFFFFFFL);
        if (n == 0 || n > MAX_CACHED_STRING) {
            return new String(read(ptr, len), StandardCharsets.UTF_8);
        }
        int i = ((p * 0x9E3779B9) ^ n) >>> (32 - STRING_BITS);
        CachedString c = strings[i];
        if (c != null && c.ptr == p && c.length == n && holds(p, c.bytes, c.word)) {
            return c.value;
        }
        byte[] b = memory.readBytes(p, n);
        String s = new String(b, StandardCharsets.UTF_8);
        strings[i] = new CachedString(p, b, word(p, b), s);
        return s;
    }

    /**
     * One slot of the string cache, its fields together: a hit on a short string reads this object
     * and eight bytes of guest memory, not one element of each of four parallel arrays and the byte
     * array's header.
     */
    private static final class CachedString {
        final int ptr;
        final int length;
        final long word;
        final byte[] bytes;
        final String value;

        CachedString(int ptr, byte[] bytes, long word, String value) {
            this.ptr = ptr;
            this.length = bytes.length;
            this.word = word;
            this.bytes = bytes;
            this.value = value;
        }
    }

    private static final int STRING_BITS = 5;
    private static final int STRINGS = 1 << STRING_BITS;
    private static final int MAX_CACHED_STRING = 128;
    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
                    long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private final CachedString[] strings = new CachedString[STRINGS];

    /**
     * The word {@link #holds} compares last for a cached string: its last eight bytes (little
     * endian) when it has eight or more, else its bytes zero-extended, or {@link #NO_WORD} when
     * fewer than eight bytes of memory follow {@code p} (then it is compared a byte at a time).
     */
    private long word(int p, byte[] b) {
        int n = b.length;
        if (n >= 8) {
            return (long) LONGS.get(b, n - 8);
        }
        if ((long) p + 8 > (long) memory.pages() * Memory.PAGE_SIZE) {
            return NO_WORD;
        }
        long w = 0;
        for (int k = n - 1; k >= 0; k--) {
            w = (w << 8) | (b[k] & 0xFF);
        }
        return w;
    }

    /** A {@link #word} that says: compare byte by byte. Not a zero-extended short string's word. */
    private static final long NO_WORD = -1L;

    /**
     * Whether guest memory at {@code p} holds {@code b}, whose {@link #word} is {@code w}. A short
     * string (the usual header name or value) takes one eight-byte read, masked: the profile had
     * the byte-at-a-time compare at about 50 ns a request for the add-header module's two strings
     * on two calls. Reading past the string is safe: {@link #word} checked that memory goes on for
     * eight bytes, and memory never shrinks.
     */
    private boolean holds(int p, byte[] b, long w) {
        int n = b.length;
        if (n < 8 && w != NO_WORD) {
            return (memory.readLong(p) & (-1L >>> (64 - 8 * n))) == w;
        }
        int k = 0;
        for (; k + 8 <= n; k += 8) {
            if (memory.readLong(p + k) != (long) LONGS.get(b, k)) {
                return false;
            }
        }
        if (k == n) {
            return true;
        }
        if (n >= 8) { // the rest, in the last eight bytes (overlapping those compared)
            return memory.readLong(p + n - 8) == w;
        }
        for (; k < n; k++) {
            if (memory.read(p + k) != b[k]) {
                return false;
            }
        }
        return true;
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
        long[] a = malloc.args; // reused as for the callbacks (Export#args)
        if (a.length != 1) {
            a = new long[1];
        }
        a[0] = Math.max(size, 1);
        long[] r = malloc.fn.apply(a);
        int addr = (int) r[0];
        if (addr == 0) {
            throw new VmFailure("trap", "the module could not allocate " + size + " bytes", null);
        }
        return addr;
    }
}
