package io.weir.spi;

/**
 * A key-value store shared by all workers (and, for WebAssembly, all VMs with the same {@code
 * vm_id}), like proxy-wasm's shared data: every value carries a version that changes on each write,
 * so concurrent writers can use compare-and-swap.
 *
 * <p>Threading: thread-safe and non-blocking; values are copied in and out.
 */
public interface SharedData {
    /** A value and its version; versions start at 1. */
    record Entry(byte[] value, long version) {}

    /** The entry for {@code key}, or null. */
    Entry get(String key);

    /**
     * Stores {@code value} under {@code key}. With {@code expectedVersion} 0 the write is
     * unconditional; otherwise it happens only if the current version equals it (a missing key has
     * version 0 only for an unconditional write).
     *
     * @return false when the version did not match (proxy-wasm's {@code CAS_MISMATCH})
     */
    boolean set(String key, byte[] value, long expectedVersion);
}
