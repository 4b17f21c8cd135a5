package io.weir.kernel.stats;

import java.util.concurrent.atomic.LongAdder;

/**
 * A value that goes up and down, kept as the sum of per-slot deltas: a worker adds one when a
 * connection opens and subtracts one when it closes. A single slot may go negative (a connection
 * counted up on one thread and down on another); the sum is what counts.
 *
 * <p>Threading: as {@link Counter}. There is no {@code set}: a value computed elsewhere is a {@link
 * Stats#gaugeFn}.
 */
public final class Gauge {
    private final int workers;
    private final long[] cells;
    private final LongAdder other = new LongAdder();

    Gauge(int workers) {
        this.workers = workers;
        this.cells = Slots.allocate(workers, Slots.PAD);
    }

    /** Adds {@code delta}, which may be negative. */
    public void add(int slot, long delta) {
        if (slot >= 0 && slot < workers) {
            Slots.add(cells, Slots.base(slot, Slots.PAD), delta);
        } else if (slot == workers) {
            other.add(delta);
        } else {
            throw Slots.badSlot(slot, workers);
        }
    }

    /** Adds one. */
    public void inc(int slot) {
        add(slot, 1);
    }

    /** Subtracts one. */
    public void dec(int slot) {
        add(slot, -1);
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
        return "Gauge[" + value() + "]";
    }
}
