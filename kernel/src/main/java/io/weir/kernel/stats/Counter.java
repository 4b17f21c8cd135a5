package io.weir.kernel.stats;

import java.util.concurrent.atomic.LongAdder;

/**
 * A monotonically increasing count.
 *
 * <p>Threading: worker {@code w} calls {@link #inc}/{@link #add} only with slot {@code w}, from its
 * own thread; any other thread uses {@link Stats#otherSlot()}. {@link #value()} may be called from
 * any thread and sums the slots (it may miss increments racing with it).
 */
public final class Counter {
    private final int workers;
    private final long[] cells;
    private final LongAdder other = new LongAdder();

    Counter(int workers) {
        this.workers = workers;
        this.cells = Slots.allocate(workers, Slots.PAD);
    }

    /** Adds one. */
    public void inc(int slot) {
        add(slot, 1);
    }

    /** Adds {@code n}, which should not be negative. */
    public void add(int slot, long n) {
        if (slot >= 0 && slot < workers) {
            Slots.add(cells, Slots.base(slot, Slots.PAD), n);
        } else if (slot == workers) {
            other.add(n);
        } else {
            throw Slots.badSlot(slot, workers);
        }
    }

    /** The sum over all slots. */
    public long value() {
        long sum = other.sum();
        for (int s = 0; s < workers; s++) {
            sum += Slots.get(cells, Slots.base(s, Slots.PAD));
        }
        return sum;
    }

    @Override
    public String toString() {
        return "Counter[" + value() + "]";
    }
}
