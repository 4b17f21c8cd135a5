package io.weir.spi;

/**
 * Defines a filter's own metrics, exported on Weir's {@code /stats/prometheus} under the names
 * given (use your namespace as a prefix, such as {@code acme_cache_hits_total}). Each metric gets a
 * {@code filter} label with the filter's configured name in addition to the labels declared here.
 * Defining the same name again returns the same metric; with another type or other labels it throws
 * {@link IllegalArgumentException}.
 *
 * <p>Threading: define metrics in {@link HttpFilterRoot#onConfigure} or lazily on the worker;
 * recording is lock-free and allowed from any thread.
 */
public interface Metrics {
    /** A counter with the given label names. */
    Counter counter(String name, String help, String... labelNames);

    /** A gauge with the given label names. */
    Gauge gauge(String name, String help, String... labelNames);

    /** A histogram with the given finite, increasing bucket upper bounds and label names. */
    Histogram histogram(String name, String help, double[] buckets, String... labelNames);

    /** A monotonic count. */
    interface Counter {
        /** Adds {@code n} (not negative) to the series with these label values. */
        void add(long n, String... labelValues);

        /** Adds one to the series with these label values. */
        default void inc(String... labelValues) {
            add(1, labelValues);
        }
    }

    /** A value that goes up and down. */
    interface Gauge {
        /** Adds {@code delta} (may be negative). */
        void add(long delta, String... labelValues);

        /** Sets the value. */
        void set(long value, String... labelValues);
    }

    /** A distribution. */
    interface Histogram {
        /** Records one observation. */
        void record(double value, String... labelValues);
    }
}
