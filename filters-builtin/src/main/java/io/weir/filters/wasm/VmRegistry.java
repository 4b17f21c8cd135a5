package io.weir.filters.wasm;

import java.util.HashMap;
import java.util.Map;

/**
 * The VMs that filters share on one worker: filters with the same non-empty {@code vm_id}, the same
 * module (by hash), the same {@code vm_configuration} and the same limits use one {@link WasmVm},
 * each with its own root context, as Envoy shares a VM by vm_id and code. A filter with an empty
 * {@code vm_id} gets a VM of its own. A VM leaves the registry when it fails (the next filter to
 * start builds a new one) or when its last root is done. Worker thread only: one map per worker
 * thread.
 */
final class VmRegistry {
    /** What makes two filters' VMs interchangeable. */
    record Key(
            String vmId,
            String moduleHash,
            String vmConfiguration,
            int memoryMb,
            long callbackTimeoutNanos) {}

    private static final ThreadLocal<Map<Key, WasmVm>> VMS = ThreadLocal.withInitial(HashMap::new);

    private VmRegistry() {}

    /** The key for {@code config}'s VM, or null when its VM is not to be shared. */
    static Key keyOf(WasmConfig config, CompiledModule module) {
        if (config.vmId().isEmpty()) {
            return null;
        }
        return new Key(
                config.vmId(),
                module.hash,
                config.vmConfiguration(),
                config.memoryMb(),
                config.callbackTimeout().toNanos());
    }

    /** The live VM of {@code key} on this worker, or null. */
    static WasmVm live(Key key) {
        WasmVm v = VMS.get().get(key);
        return v == null || v.failed ? null : v;
    }

    /** Makes {@code vm} the one that later filters with its key join. */
    static void share(WasmVm vm) {
        if (vm.key != null) {
            VMS.get().put(vm.key, vm);
        }
    }

    /** Forgets {@code vm} (failed, or no root left). */
    static void forget(WasmVm vm) {
        if (vm.key != null) {
            VMS.get().remove(vm.key, vm);
        }
    }
}
