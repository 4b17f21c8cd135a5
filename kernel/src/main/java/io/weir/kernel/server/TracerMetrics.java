package io.weir.kernel.server;

import io.weir.kernel.stats.Stats;
import io.weir.spi.Metrics;

/**
 * The tracer's own metrics ({@link io.weir.spi.tracing.TracerProvider#create}): series in Weir's
 * stats under the names given, without the {@code filter} label filters get. The tracer records
 * from its own threads, so every series uses the stats' shared (atomic) slot.
 */
final class TracerMetrics implements Metrics {
    private final Stats stats;

    TracerMetrics(Stats stats) {
        this.stats = stats;
    }

    private static String[] pairs(String[] names, String[] values) {
        if (values.length != names.length) {
            throw new IllegalArgumentException(
                    "expected " + names.length + " label values, got " + values.length);
        }
        String[] p = new String[2 * names.length];
        for (int i = 0; i < names.length; i++) {
            p[2 * i] = names[i];
            p[2 * i + 1] = values[i];
        }
        return p;
    }

    @Override
    public Counter counter(String name, String help, String... labelNames) {
        String[] names = labelNames.clone();
        if (names.length == 0) {
            io.weir.kernel.stats.Counter c = stats.counter(name, help);
            return (n, values) -> {
                pairs(names, values);
                c.add(stats.otherSlot(), n);
            };
        }
        return (n, values) ->
                stats.counter(name, help, pairs(names, values)).add(stats.otherSlot(), n);
    }

    @Override
    public Gauge gauge(String name, String help, String... labelNames) {
        String[] names = labelNames.clone();
        if (names.length == 0) {
            stats.gauge(name, help);
        }
        return new Gauge() {
            @Override
            public void add(long delta, String... values) {
                stats.gauge(name, help, pairs(names, values)).add(stats.otherSlot(), delta);
            }

            @Override
            public void set(long value, String... values) {
                io.weir.kernel.stats.Gauge g = stats.gauge(name, help, pairs(names, values));
                g.add(stats.otherSlot(), value - g.value());
            }
        };
    }

    @Override
    public Histogram histogram(String name, String help, double[] buckets, String... labelNames) {
        String[] names = labelNames.clone();
        double[] bounds = buckets.clone();
        return (v, values) ->
                stats.histogram(name, help, bounds, pairs(names, values))
                        .record(stats.otherSlot(), v);
    }
}
