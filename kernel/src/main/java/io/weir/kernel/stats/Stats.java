package io.weir.kernel.stats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry of every metric of one server, and its renderings for {@code /stats}.
 *
 * <p>Metrics are grouped in families by name; a family has one type and one help text (the first
 * registered), and one series per distinct set of labels. Registering the same name and labels
 * again returns the same instance; registering a name with another type throws.
 *
 * <p>Threading: registration and rendering are thread-safe (registration is meant for config time,
 * not per request). Updates go through the metric with the caller's slot: worker {@code w} uses
 * slot {@code w}, any other thread {@link #otherSlot()}.
 */
public final class Stats {
    private static final Logger log = LoggerFactory.getLogger(Stats.class);
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    /** Envoy's default histogram buckets, in milliseconds. Copied by every histogram using it. */
    public static final double[] DEFAULT_MS_BUCKETS = {
        0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000,
        1800000, 3600000
    };

    enum Type {
        COUNTER("counter"),
        GAUGE("gauge"),
        HISTOGRAM("histogram"),
        SUMMARY("summary");

        final String prometheus;

        Type(String prometheus) {
            this.prometheus = prometheus;
        }
    }

    /** One series: its labels and a Counter, Gauge, Histogram, DoubleSupplier or SummaryFn. */
    record Series(Labels labels, Object metric) {}

    /** A summary without quantiles whose count and sum are computed when read (GC times). */
    record SummaryFn(DoubleSupplier count, DoubleSupplier sum) {}

    /** The content type of {@link #renderPrometheus()}. */
    public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** The content type of {@link #renderOpenMetrics()}. */
    public static final String OPENMETRICS_CONTENT_TYPE =
            "application/openmetrics-text; version=1.0.0; charset=utf-8";

    static final class Family {
        final String name;
        final String help;
        final Type type;
        final ConcurrentHashMap<String, Series> series = new ConcurrentHashMap<>();

        Family(String name, String help, Type type) {
            this.name = name;
            this.help = help;
            this.type = type;
        }
    }

    private final int workers;
    private final ConcurrentHashMap<String, Family> families = new ConcurrentHashMap<>();

    /** A registry for {@code workers} workers (slots 0..workers-1) plus the other slot. */
    public Stats(int workers) {
        if (workers < 0) {
            throw new IllegalArgumentException("workers must be >= 0 (was " + workers + ")");
        }
        this.workers = workers;
    }

    /** Number of worker slots. */
    public int workers() {
        return workers;
    }

    /** The slot for any thread that is not a worker; equals {@link #workers()}. */
    public int otherSlot() {
        return workers;
    }

    /** The counter {@code name} with the given label name/value pairs, created on first use. */
    public Counter counter(String name, String help, String... labelNameValuePairs) {
        Labels labels = Labels.of(name, labelNameValuePairs);
        Series s =
                family(name, help, Type.COUNTER)
                        .series
                        .computeIfAbsent(
                                labels.key(), k -> new Series(labels, new Counter(workers)));
        if (!(s.metric() instanceof Counter c)) {
            throw new IllegalArgumentException(
                    name + labels + " is already registered as a computed counter");
        }
        return c;
    }

    /**
     * A counter computed when read ({@code process_cpu_seconds_total}): as {@link #gaugeFn}, but
     * the family's type is {@code counter}. {@code fn} must never decrease.
     */
    public void counterFn(
            String name, String help, DoubleSupplier fn, String... labelNameValuePairs) {
        computed(name, help, Type.COUNTER, fn, labelNameValuePairs);
    }

    /**
     * A summary without quantiles, count and sum computed when read (Prometheus client_java's
     * {@code jvm_gc_collection_seconds}): renders {@code name_count} and {@code name_sum}.
     */
    public void summaryFn(
            String name,
            String help,
            DoubleSupplier count,
            DoubleSupplier sum,
            String... labelNameValuePairs) {
        if (count == null || sum == null) {
            throw new IllegalArgumentException(name + ": null function");
        }
        computed(name, help, Type.SUMMARY, new SummaryFn(count, sum), labelNameValuePairs);
    }

    /** The gauge {@code name} with the given labels, created on first use. */
    public Gauge gauge(String name, String help, String... labelNameValuePairs) {
        Labels labels = Labels.of(name, labelNameValuePairs);
        Series s =
                family(name, help, Type.GAUGE)
                        .series
                        .computeIfAbsent(labels.key(), k -> new Series(labels, new Gauge(workers)));
        if (!(s.metric() instanceof Gauge g)) {
            throw new IllegalArgumentException(
                    name + labels + " is already registered as a computed gauge");
        }
        return g;
    }

    /**
     * The histogram {@code name} with the given labels, created on first use. {@code upperBounds}
     * must be finite and strictly increasing (copied); asking again for the same series with other
     * bounds throws.
     */
    public Histogram histogram(
            String name, String help, double[] upperBounds, String... labelNameValuePairs) {
        Labels labels = Labels.of(name, labelNameValuePairs);
        if (labels.has("le")) {
            throw new IllegalArgumentException(name + ": label le is reserved for histograms");
        }
        checkBounds(name, upperBounds);
        Series s =
                family(name, help, Type.HISTOGRAM)
                        .series
                        .computeIfAbsent(
                                labels.key(),
                                k -> new Series(labels, new Histogram(workers, upperBounds)));
        Histogram h = (Histogram) s.metric();
        if (!Arrays.equals(h.boundsRef(), upperBounds)) {
            throw new IllegalArgumentException(
                    name + labels + " is already registered with other bucket bounds");
        }
        return h;
    }

    /**
     * A gauge computed when read (JVM memory, pool sizes). {@code fn} is called on the thread
     * rendering the stats and must be cheap and thread-safe; registering the same series again
     * replaces the function. A function that throws renders as NaN.
     */
    public void gaugeFn(
            String name, String help, DoubleSupplier fn, String... labelNameValuePairs) {
        if (fn == null) {
            throw new IllegalArgumentException(name + ": null function");
        }
        computed(name, help, Type.GAUGE, fn, labelNameValuePairs);
    }

    private void computed(
            String name, String help, Type type, Object fn, String... labelNameValuePairs) {
        Labels labels = Labels.of(name, labelNameValuePairs);
        family(name, help, type)
                .series
                .compute(
                        labels.key(),
                        (k, old) -> {
                            if (old != null
                                    && !(old.metric() instanceof DoubleSupplier
                                            || old.metric() instanceof SummaryFn)) {
                                throw new IllegalArgumentException(
                                        name
                                                + labels
                                                + " is already registered as a "
                                                + type.prometheus);
                            }
                            return new Series(labels, fn);
                        });
    }

    private Family family(String name, String help, Type type) {
        if (name == null || !METRIC_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid metric name " + name);
        }
        Family f =
                families.computeIfAbsent(name, n -> new Family(n, help == null ? "" : help, type));
        if (f.type != type) {
            throw new IllegalArgumentException(
                    name
                            + " is already registered as a "
                            + f.type.prometheus
                            + ", not a "
                            + type.prometheus);
        }
        return f;
    }

    private static void checkBounds(String name, double[] bounds) {
        if (bounds == null) {
            throw new IllegalArgumentException(name + ": null bucket bounds");
        }
        for (int i = 0; i < bounds.length; i++) {
            if (!Double.isFinite(bounds[i])) {
                throw new IllegalArgumentException(
                        name + ": bucket bound " + bounds[i] + " is not finite");
            }
            if (i > 0 && bounds[i] <= bounds[i - 1]) {
                throw new IllegalArgumentException(
                        name + ": bucket bounds must be strictly increasing");
            }
        }
    }

    /**
     * Prometheus text exposition format 0.0.4: {@code # HELP} and {@code # TYPE} once per family,
     * families sorted by name, series by labels; histograms as cumulative {@code _bucket} series
     * with an {@code le} label, then {@code _sum} and {@code _count}.
     */
    public String renderPrometheus() {
        return render(false);
    }

    /**
     * OpenMetrics 1.0 text: as {@link #renderPrometheus()} with the same series names and values,
     * plus {@code # EOF} at the end and the histograms' exemplars. A counter named {@code x_total}
     * is the family {@code x} with the sample {@code x_total}; a counter whose name does not end in
     * {@code _total} is typed {@code unknown}, so that its series keeps its name whichever format a
     * scraper asks for.
     */
    public String renderOpenMetrics() {
        return render(true);
    }

    private String render(boolean om) {
        StringBuilder out = new StringBuilder(8192);
        for (Family f : sortedFamilies()) {
            List<Series> series = sortedSeries(f);
            if (series.isEmpty()) {
                continue;
            }
            String family = f.name;
            String type = f.type.prometheus;
            if (om && f.type == Type.COUNTER) {
                if (f.name.endsWith("_total")) {
                    family = f.name.substring(0, f.name.length() - "_total".length());
                } else {
                    type = "unknown";
                }
            }
            out.append("# HELP ").append(family).append(' ');
            escapeHelp(out, f.help, om);
            out.append('\n');
            out.append("# TYPE ").append(family).append(' ').append(type).append('\n');
            for (Series s : series) {
                if (s.metric() instanceof Histogram h) {
                    renderHistogram(out, f, s, h, om);
                } else if (s.metric() instanceof SummaryFn sf) {
                    out.append(f.name).append("_count");
                    s.labels().render(out, null, null);
                    out.append(' ').append(computedValue(f, s, sf.count())).append('\n');
                    out.append(f.name).append("_sum");
                    s.labels().render(out, null, null);
                    out.append(' ').append(computedValue(f, s, sf.sum())).append('\n');
                } else {
                    out.append(f.name);
                    s.labels().render(out, null, null);
                    out.append(' ').append(scalar(f, s)).append('\n');
                }
            }
        }
        if (om) {
            out.append("# EOF\n");
        }
        return out.toString();
    }

    private static void renderHistogram(
            StringBuilder out, Family f, Series s, Histogram h, boolean om) {
        long[] cum = h.cumulativeCounts();
        double[] bounds = h.boundsRef();
        for (int i = 0; i < cum.length; i++) {
            out.append(f.name).append("_bucket");
            s.labels().render(out, "le", i < bounds.length ? formatNumber(bounds[i]) : "+Inf");
            out.append(' ').append(cum[i]);
            Histogram.Exemplar e = om ? h.exemplar(i) : null;
            if (e != null) {
                out.append(" # {trace_id=\"");
                Labels.escapeLabelValue(out, e.traceId());
                out.append("\"} ").append(formatNumber(e.value())).append(' ');
                out.append(e.epochMillis() / 1000).append('.');
                long ms = e.epochMillis() % 1000;
                out.append(ms < 10 ? "00" : ms < 100 ? "0" : "").append(ms);
            }
            out.append('\n');
        }
        out.append(f.name).append("_sum");
        s.labels().render(out, null, null);
        out.append(' ').append(formatNumber(h.sum())).append('\n');
        out.append(f.name).append("_count");
        s.labels().render(out, null, null);
        out.append(' ').append(cum[cum.length - 1]).append('\n');
    }

    /**
     * Envoy {@code /stats} style: one {@code name{labels}: value} line per series, sorted.
     * Histograms read {@code P50=.. P90=.. P99=.. count=.. sum=..}, the percentiles estimated from
     * the buckets ({@code nan} when empty).
     */
    public String renderText() {
        List<String> lines = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        for (Family f : families.values()) {
            for (Series s : f.series.values()) {
                sb.setLength(0);
                sb.append(f.name);
                s.labels().render(sb, null, null);
                sb.append(": ");
                if (s.metric() instanceof Histogram h) {
                    long[] cum = h.cumulativeCounts();
                    sb.append("P50=").append(formatQuantile(h.quantile(0.5, cum)));
                    sb.append(" P90=").append(formatQuantile(h.quantile(0.9, cum)));
                    sb.append(" P99=").append(formatQuantile(h.quantile(0.99, cum)));
                    sb.append(" count=").append(cum[cum.length - 1]);
                    sb.append(" sum=").append(formatNumber(h.sum()));
                } else if (s.metric() instanceof SummaryFn sf) {
                    sb.append("count=").append(computedValue(f, s, sf.count()));
                    sb.append(" sum=").append(computedValue(f, s, sf.sum()));
                } else {
                    sb.append(scalar(f, s));
                }
                lines.add(sb.toString());
            }
        }
        lines.sort(Comparator.naturalOrder());
        StringBuilder out = new StringBuilder(lines.size() * 64);
        for (String line : lines) {
            out.append(line).append('\n');
        }
        return out.toString();
    }

    private static String scalar(Family f, Series s) {
        Object m = s.metric();
        if (m instanceof Counter c) {
            return Long.toString(c.value());
        }
        if (m instanceof Gauge g) {
            return Long.toString(g.value());
        }
        return computedValue(f, s, (DoubleSupplier) m);
    }

    private static String computedValue(Family f, Series s, DoubleSupplier fn) {
        try {
            return formatNumber(fn.getAsDouble());
        } catch (RuntimeException e) {
            log.warn(
                    "computed gauge failed metric={}{} error={}", f.name, s.labels(), e.toString());
            return "NaN";
        }
    }

    private List<Family> sortedFamilies() {
        List<Family> list = new ArrayList<>(families.values());
        list.sort(Comparator.comparing(f -> f.name));
        return list;
    }

    private static List<Series> sortedSeries(Family f) {
        List<Series> list = new ArrayList<>(f.series.values());
        list.sort(Comparator.comparing(s -> s.labels().toString()));
        return list;
    }

    /** For tests and the admin: how many series are registered. */
    int seriesCount() {
        int n = 0;
        for (Map.Entry<String, Family> e : families.entrySet()) {
            n += e.getValue().series.size();
        }
        return n;
    }

    /** Backslash and line feed; OpenMetrics also escapes the double quote. */
    private static void escapeHelp(StringBuilder out, String help, boolean om) {
        for (int i = 0; i < help.length(); i++) {
            char c = help.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '"' -> out.append(om ? "\\\"" : "\"");
                default -> out.append(c);
            }
        }
    }

    /**
     * Integers without a fraction ({@code 1}, not {@code 1.0}); {@code +Inf}, {@code -Inf}, {@code
     * NaN}.
     */
    static String formatNumber(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "+Inf" : "-Inf";
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return Double.toString(d);
    }

    /** Percentiles rounded to 3 decimals; {@code nan} when there is no data. */
    static String formatQuantile(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        return formatNumber(Math.round(d * 1000.0) / 1000.0);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "Stats[workers=%d, series=%d]", workers, seriesCount());
    }
}
