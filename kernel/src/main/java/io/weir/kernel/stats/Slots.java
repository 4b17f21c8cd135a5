package io.weir.kernel.stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Layout and access of per-worker slots in a {@code long[]}.
 *
 * <p>Slot {@code s} of a metric starts at {@code (s + 1) * stride}: one stride of padding before
 * the first slot keeps it off the array header and its neighbours, and a stride of at least 16
 * longs (128 bytes) keeps two workers off the same pair of cache lines (adjacent-line prefetch).
 *
 * <p>Each slot is written only by its owner, with a plain read and store; readers sum with opaque
 * loads. A plain {@code long} store may tear by the letter of JLS 17.7, but not on the 64-bit JVMs
 * Weir runs on (its native epoll transport exists only for 64-bit Linux), so a reader sees the old
 * or the new value. The writer stays plain on purpose: an opaque store is a {@code VarHandle} call,
 * which is free when the JIT inlines it and costs tens of nanoseconds when a large compiled method
 * runs out of inlining budget before reaching it (a profile of the A/B bench once showed 0.9 us a
 * request in the {@code VarHandle} guard under these adds).
 */
final class Slots {
    static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    /** Longs between two workers' slots of a single-value metric: 128 bytes. */
    static final int PAD = 16;

    private Slots() {}

    /** Stride for a slot holding {@code width} longs, at least {@link #PAD} longs apart. */
    static int stride(int width) {
        return (width + PAD + 7) & ~7;
    }

    static long[] allocate(int workers, int stride) {
        return new long[(workers + 2) * stride];
    }

    static int base(int slot, int stride) {
        return (slot + 1) * stride;
    }

    /** Owner-only add: no other thread writes {@code cells[i]}. */
    static void add(long[] cells, int i, long n) {
        cells[i] += n;
    }

    static long get(long[] cells, int i) {
        return (long) LONGS.getOpaque(cells, i);
    }

    /** Owner-only add to a double stored as its raw long bits. */
    static void addDouble(long[] cells, int i, double v) {
        cells[i] = Double.doubleToRawLongBits(Double.longBitsToDouble(cells[i]) + v);
    }

    static double getDouble(long[] cells, int i) {
        return Double.longBitsToDouble((long) LONGS.getOpaque(cells, i));
    }

    static IndexOutOfBoundsException badSlot(int slot, int workers) {
        return new IndexOutOfBoundsException(
                "slot " + slot + " out of range 0.." + workers + " (workers=" + workers + ")");
    }
}
