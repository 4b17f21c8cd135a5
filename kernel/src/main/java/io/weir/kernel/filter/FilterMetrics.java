package io.weir.kernel.filter;

import io.weir.kernel.stats.Stats;
import io.weir.spi.Metrics;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link Metrics} for one filter over Weir's {@link Stats}: every series gets a {@code filter}
 * label. A series without labels is resolved when it is defined; others are looked up per record by
 * their label values (a concurrent map lookup). The slot is the calling worker's, or the shared
 * slot for other threads.
 */
final class FilterMetrics implements Metrics {
    private final Stats stats;
    private final String filter;
    private final ThreadLocal<Integer> slot;

    FilterMetrics(Stats stats, String filter, ThreadLocal<Integer> slot) {
        this.stats = stats;
        this.filter = filter;
        this.slot = slot;
    }

    private int slot() {
        Integer s = slot.get();
        return s == null ? stats.otherSlot() : s;
    }

    private String[] labels(String[] names, String[] values) {
        if (values.length != names.length) {
            throw new IllegalArgumentException(
                    "expected " + names.length + " label values, got " + values.length);
        }
        String[] pairs = new String[2 + 2 * names.length];
        pairs[0] = "filter";
        pairs[1] = filter;
        for (int i = 0; i < names.length; i++) {
            pairs[2 + 2 * i] = names[i];
            pairs[3 + 2 * i] = values[i];
        }
        return pairs;
    }

    private static final class Key {
        final String[] values;
        final int hash;

        Key(String[] values) {
            this.values = values;
            this.hash = Arrays.hashCode(values);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(values, k.values);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    @Override
    public Counter counter(String name, String help, String... labelNames) {
        String[] names = labelNames.clone();
        ConcurrentHashMap<Key, io.weir.kernel.stats.Counter> series = new ConcurrentHashMap<>();
        if (names.length == 0) {
            // fails now on a bad name or type; a series without labels is resolved once, so
            // counting allocates nothing
            io.weir.kernel.stats.Counter only = stats.counter(name, help, labels(names, names));
            return (n, values) -> {
                if (values.length != 0) {
                    labels(names, values); // throws: expected 0 label values
                }
                only.add(slot(), n);
            };
        }
        return (n, values) ->
                series.computeIfAbsent(
                                new Key(values.clone()),
                                k -> stats.counter(name, help, labels(names, k.values)))
                        .add(slot(), n);
    }

    @Override
    public Gauge gauge(String name, String help, String... labelNames) {
        String[] names = labelNames.clone();
        ConcurrentHashMap<Key, io.weir.kernel.stats.Gauge> series = new ConcurrentHashMap<>();
        if (names.length == 0) {
            stats.gauge(name, help, labels(names, names));
        }
        return new Gauge() {
            private io.weir.kernel.stats.Gauge g(String[] values) {
                return series.computeIfAbsent(
                        new Key(values.clone()),
                        k -> stats.gauge(name, help, labels(names, k.values)));
            }

            @Override
            public void add(long delta, String... labelValues) {
                g(labelValues).add(slot(), delta);
            }

            @Override
            public void set(long value, String... labelValues) {
                io.weir.kernel.stats.Gauge g = g(labelValues);
                g.add(slot(), value - g.value());
            }
        };
    }

    @Override
    public Histogram histogram(String name, String help, double[] buckets, String... labelNames) {
        String[] names = labelNames.clone();
        double[] bounds = buckets.clone();
        ConcurrentHashMap<Key, io.weir.kernel.stats.Histogram> series = new ConcurrentHashMap<>();
        if (names.length == 0) {
            io.weir.kernel.stats.Histogram only =
                    stats.histogram(name, help, bounds, labels(names, names));
            return (value, values) -> {
                if (values.length != 0) {
                    labels(names, values); // throws: expected 0 label values
                }
                only.record(slot(), value);
            };
        }
        return (value, values) ->
                series.computeIfAbsent(
                                new Key(values.clone()),
                                k -> stats.histogram(name, help, bounds, labels(names, k.values)))
                        .record(slot(), value);
    }
}
