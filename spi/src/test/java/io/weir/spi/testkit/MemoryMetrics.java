package io.weir.spi.testkit;

import io.weir.spi.Metrics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * {@link Metrics} kept in memory and checked as strictly as Weir's: Prometheus names, the same
 * definition for the same name, the right number of label values, counters that only go up.
 */
final class MemoryMetrics implements Metrics {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private record Def(String type, List<String> labels) {}

    private final Map<String, Def> defs = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> values = new ConcurrentHashMap<>();
    private final Map<String, List<Double>> observations = new ConcurrentHashMap<>();

    @Override
    public Counter counter(String name, String help, String... labelNames) {
        define(name, "counter", labelNames);
        return (n, labelValues) -> {
            if (n < 0) {
                throw new IllegalArgumentException(
                        "counter " + name + " cannot go down (add " + n + ")");
            }
            series(name, labelValues).addAndGet(n);
        };
    }

    @Override
    public Gauge gauge(String name, String help, String... labelNames) {
        define(name, "gauge", labelNames);
        return new Gauge() {
            @Override
            public void add(long delta, String... labelValues) {
                series(name, labelValues).addAndGet(delta);
            }

            @Override
            public void set(long value, String... labelValues) {
                series(name, labelValues).set(value);
            }
        };
    }

    @Override
    public Histogram histogram(String name, String help, double[] buckets, String... labelNames) {
        for (int i = 0; i < buckets.length; i++) {
            if (!Double.isFinite(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1])) {
                throw new IllegalArgumentException(
                        "histogram " + name + ": buckets must be finite and increasing");
            }
        }
        define(name, "histogram", labelNames);
        return (value, labelValues) ->
                observations
                        .computeIfAbsent(
                                key(name, labelValues),
                                k -> Collections.synchronizedList(new ArrayList<>()))
                        .add(value);
    }

    long value(String name, String type, String... labelValues) {
        lookup(name, type);
        AtomicLong v = values.get(key(name, labelValues));
        return v == null ? 0 : v.get();
    }

    List<Double> observations(String name, String... labelValues) {
        lookup(name, "histogram");
        List<Double> o = observations.get(key(name, labelValues));
        return o == null ? List.of() : List.copyOf(o);
    }

    private Def lookup(String name, String type) {
        Def d = defs.get(name);
        if (d == null || !d.type().equals(type)) {
            throw new IllegalArgumentException(
                    "no " + type + " " + name + " was defined (defined: " + defs.keySet() + ")");
        }
        return d;
    }

    private void define(String name, String type, String... labelNames) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid metric name " + name);
        }
        for (String l : labelNames) {
            if (l == null || !LABEL.matcher(l).matches() || l.startsWith("__")) {
                throw new IllegalArgumentException("metric " + name + ": invalid label " + l);
            }
            if (l.equals("filter")) {
                throw new IllegalArgumentException(
                        "metric " + name + ": the label filter is added by Weir");
            }
        }
        Def d = new Def(type, List.of(labelNames));
        Def old = defs.putIfAbsent(name, d);
        if (old != null && !old.equals(d)) {
            throw new IllegalArgumentException(
                    "metric "
                            + name
                            + " is already a "
                            + old.type()
                            + " with labels "
                            + old.labels());
        }
    }

    private AtomicLong series(String name, String... labelValues) {
        return values.computeIfAbsent(key(name, labelValues), k -> new AtomicLong());
    }

    private String key(String name, String... labelValues) {
        List<String> labels = defs.get(name).labels();
        if (labelValues.length != labels.size()) {
            throw new IllegalArgumentException(
                    "metric "
                            + name
                            + " has labels "
                            + labels
                            + " but was given "
                            + labelValues.length
                            + " values");
        }
        StringBuilder k = new StringBuilder(name);
        for (String v : labelValues) {
            k.append('\0').append(Objects.requireNonNull(v, "label value"));
        }
        return k.toString();
    }
}
