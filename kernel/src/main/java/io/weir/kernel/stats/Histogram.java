package io.weir.kernel.stats;

import io.weir.spi.tracing.TraceSpan;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * A distribution in fixed buckets, Prometheus style: bucket {@code i} counts values {@code <=
 * upperBounds[i]} and above the previous bound; a last, implicit bucket counts everything above the
 * highest bound ({@code +Inf}).
 *
 * <p>Threading: as {@link Counter}. Each worker's slot holds its bucket counts and its sum (a
 * {@code double} kept as raw long bits), written only by that worker.
 */
public final class Histogram {
    private final int workers;
    private final double[] bounds;
    private final int stride;
    private final long[] cells;
    private final AtomicLongArray otherBuckets;
    private final DoubleAdder otherSum = new DoubleAdder();
    private final AtomicReferenceArray<Exemplar> exemplars;

    Histogram(int workers, double[] upperBounds) {
        this.workers = workers;
        this.bounds = upperBounds.clone();
        // per slot: bounds.length + 1 bucket counts, then the sum
        this.stride = Slots.stride(bounds.length + 2);
        this.cells = Slots.allocate(workers, stride);
        this.otherBuckets = new AtomicLongArray(bounds.length + 1);
        this.exemplars = new AtomicReferenceArray<>(bounds.length + 1);
    }

    /**
     * How long a bucket's exemplar stands before a newer traced value replaces it. Prometheus'
     * client_java samples exemplars the same way (at most one per bucket every 90 ms by default): a
     * bucket of a busy histogram always shows a trace from the last fraction of a second, and a
     * request pays for an exemplar only a few times a second, not on every traced request.
     */
    public static final long EXEMPLAR_REFRESH_MILLIS = 100;

    /**
     * A recent traced value of one bucket: OpenMetrics' exemplar, rendered as {@code #
     * {trace_id="..."} value timestamp} after the bucket's line. The trace id is read from the span
     * only when the exemplar is rendered.
     */
    public static final class Exemplar {
        private final Object trace; // the trace id (String) or the span (TraceSpan) that has it
        private final double value;
        private final long epochMillis;

        private Exemplar(Object trace, double value, long epochMillis) {
            this.trace = trace;
            this.value = value;
            this.epochMillis = epochMillis;
        }

        /** 32 lower-case hex digits. */
        public String traceId() {
            return trace instanceof TraceSpan s ? s.traceId() : (String) trace;
        }

        /** The recorded value. */
        public double value() {
            return value;
        }

        /** When it was recorded. */
        public long epochMillis() {
            return epochMillis;
        }
    }

    /**
     * Records one value; when {@code span} is not null it may become the exemplar of the value's
     * bucket: when the bucket has none, or one at least {@link #EXEMPLAR_REFRESH_MILLIS} away from
     * {@code epochMillis} (older, or newer after a clock step back). Only then does it allocate.
     */
    public void record(int slot, double value, TraceSpan span, long epochMillis) {
        recordExemplar(slot, value, span, epochMillis);
    }

    /** As {@link #record(int, double, TraceSpan, long)}, with the trace id (32 hex digits). */
    public void record(int slot, double value, String traceId, long epochMillis) {
        recordExemplar(slot, value, traceId, epochMillis);
    }

    private void recordExemplar(int slot, double value, Object trace, long epochMillis) {
        if (Double.isNaN(value)) {
            return;
        }
        int b = bucket(value);
        add(slot, b, value);
        if (trace != null) {
            Exemplar old = exemplars.getPlain(b); // another worker's write may show late: harmless
            // a wall clock stepped back by more than the interval replaces it too, so it cannot
            // stand until the clock catches up; workers' slightly out-of-order ends do not
            if (old == null || Math.abs(epochMillis - old.epochMillis) >= EXEMPLAR_REFRESH_MILLIS) {
                exemplars.lazySet(b, new Exemplar(trace, value, epochMillis));
            }
        }
    }

    /** The exemplar of bucket {@code i} ({@code upperBounds().length} is {@code +Inf}), or null. */
    public Exemplar exemplar(int i) {
        return exemplars.get(i);
    }

    /** Records one value; NaN is ignored. */
    public void record(int slot, double value) {
        if (!Double.isNaN(value)) {
            add(slot, bucket(value), value);
        }
    }

    /** Counts {@code value}, of bucket {@code b}, in {@code slot}. */
    private void add(int slot, int b, double value) {
        if (slot >= 0 && slot < workers) {
            int base = Slots.base(slot, stride);
            Slots.add(cells, base + b, 1);
            Slots.addDouble(cells, base + bounds.length + 1, value);
        } else if (slot == workers) {
            otherBuckets.incrementAndGet(b);
            otherSum.add(value);
        } else {
            throw Slots.badSlot(slot, workers);
        }
    }

    private int bucket(double value) {
        int i = Arrays.binarySearch(bounds, value);
        return i >= 0 ? i : -i - 1;
    }

    /** Number of recorded values. */
    public long count() {
        long[] c = cumulativeCounts();
        return c[c.length - 1];
    }

    /** Sum of recorded values. */
    public double sum() {
        double sum = otherSum.sum();
        int off = bounds.length + 1;
        for (int s = 0; s < workers; s++) {
            sum += Slots.getDouble(cells, Slots.base(s, stride) + off);
        }
        return sum;
    }

    /** A copy of the upper bounds, without the implicit {@code +Inf}. */
    public double[] upperBounds() {
        return bounds.clone();
    }

    double[] boundsRef() {
        return bounds;
    }

    /**
     * Counts of values {@code <=} each upper bound, then the total ({@code +Inf}): {@code
     * upperBounds().length + 1} entries, non-decreasing.
     */
    public long[] cumulativeCounts() {
        int n = bounds.length + 1;
        long[] c = new long[n];
        for (int i = 0; i < n; i++) {
            c[i] = otherBuckets.get(i);
        }
        for (int s = 0; s < workers; s++) {
            int base = Slots.base(s, stride);
            for (int i = 0; i < n; i++) {
                c[i] += Slots.get(cells, base + i);
            }
        }
        for (int i = 1; i < n; i++) {
            c[i] += c[i - 1];
        }
        return c;
    }

    /**
     * Estimates the {@code q} quantile (0..1) from the buckets, as Prometheus' {@code
     * histogram_quantile}: linear interpolation inside the bucket holding the rank, the first
     * bucket starting at 0, and the highest finite bound when the rank falls in {@code +Inf}. NaN
     * when nothing was recorded.
     */
    public double quantile(double q) {
        return quantile(q, cumulativeCounts());
    }

    double quantile(double q, long[] cumulative) {
        long total = cumulative[cumulative.length - 1];
        if (total == 0 || Double.isNaN(q)) {
            return Double.NaN;
        }
        double rank = Math.min(1.0, Math.max(0.0, q)) * total;
        int b = 0;
        while (b < cumulative.length - 1 && cumulative[b] < rank) {
            b++;
        }
        if (b == bounds.length) {
            return bounds.length == 0 ? Double.NaN : bounds[bounds.length - 1];
        }
        double upper = bounds[b];
        double lower = b == 0 ? Math.min(0.0, upper) : bounds[b - 1];
        long below = b == 0 ? 0 : cumulative[b - 1];
        long inBucket = cumulative[b] - below;
        if (inBucket == 0) {
            return upper;
        }
        return lower + (upper - lower) * ((rank - below) / inBucket);
    }

    @Override
    public String toString() {
        return "Histogram[count=" + count() + ", sum=" + sum() + "]";
    }
}
