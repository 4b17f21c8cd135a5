package io.weir.kernel.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StatsTest {
    private final Stats stats = new Stats(2);

    @Test
    void sameNameAndLabelsReturnTheSameInstanceWhateverTheLabelOrder() {
        Counter a = stats.counter("weir_rq_xx", "h", "listener", "in", "code_class", "2xx");
        Counter b =
                stats.counter("weir_rq_xx", "other help", "code_class", "2xx", "listener", "in");
        Counter c = stats.counter("weir_rq_xx", "h", "listener", "in", "code_class", "5xx");
        assertThat(b).isSameAs(a);
        assertThat(c).isNotSameAs(a);
        assertThat(stats.histogram("weir_h", "h", new double[] {1}, "a", "b"))
                .isSameAs(stats.histogram("weir_h", "h", new double[] {1}, "a", "b"));
        assertThat(stats.gauge("weir_g", "h")).isSameAs(stats.gauge("weir_g", "h"));
    }

    @Test
    void rejectsInvalidRegistrations() {
        stats.counter("weir_x", "x");
        assertThatThrownBy(() -> stats.gauge("weir_x", "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("weir_x is already registered as a counter, not a gauge");
        assertThatThrownBy(() -> stats.counter("weir-x", "x"))
                .hasMessage("invalid metric name weir-x");
        assertThatThrownBy(() -> stats.counter("weir_y", "x", "listener"))
                .hasMessage("weir_y: labels must be name/value pairs (got 1 strings)");
        assertThatThrownBy(() -> stats.counter("weir_y", "x", "1st", "v"))
                .hasMessage("weir_y: invalid label name 1st");
        assertThatThrownBy(() -> stats.counter("weir_y", "x", "__name", "v"))
                .hasMessage("weir_y: invalid label name __name");
        assertThatThrownBy(() -> stats.counter("weir_y", "x", "a", "1", "a", "2"))
                .hasMessage("weir_y: duplicate label a");
        assertThatThrownBy(() -> stats.counter("weir_y", "x", "a", null))
                .hasMessage("weir_y: label a has a null value");
        assertThatThrownBy(() -> stats.histogram("weir_h", "x", new double[] {1}, "le", "1"))
                .hasMessage("weir_h: label le is reserved for histograms");
        assertThatThrownBy(() -> stats.histogram("weir_h", "x", new double[] {2, 1}))
                .hasMessage("weir_h: bucket bounds must be strictly increasing");
        assertThatThrownBy(
                        () ->
                                stats.histogram(
                                        "weir_h", "x", new double[] {Double.POSITIVE_INFINITY}))
                .hasMessage("weir_h: bucket bound Infinity is not finite");
        stats.histogram("weir_h2", "x", new double[] {1, 2}, "c", "a");
        assertThatThrownBy(() -> stats.histogram("weir_h2", "x", new double[] {1, 3}, "c", "a"))
                .hasMessage("weir_h2{c=\"a\"} is already registered with other bucket bounds");
        stats.gauge("weir_g", "g");
        assertThatThrownBy(() -> stats.gaugeFn("weir_g", "g", () -> 1))
                .hasMessage("weir_g is already registered as a gauge");
        stats.gaugeFn("weir_fn", "g", () -> 1);
        assertThatThrownBy(() -> stats.gauge("weir_fn", "g"))
                .hasMessage("weir_fn is already registered as a computed gauge");
        assertThatThrownBy(() -> new Stats(-1)).hasMessage("workers must be >= 0 (was -1)");
    }

    @Test
    void rendersPrometheusTextFormat() {
        Counter in = stats.counter("weir_http_downstream_rq_total", "Requests.", "listener", "in");
        Counter adm =
                stats.counter("weir_http_downstream_rq_total", "Requests.", "listener", "adm");
        Gauge active =
                stats.gauge("weir_cluster_upstream_cx_active", "Open connections.", "cluster", "b");
        Histogram h =
                stats.histogram(
                        "weir_cluster_upstream_rq_time",
                        "Upstream time, ms.",
                        new double[] {0.5, 10, 100},
                        "cluster",
                        "b");
        stats.gaugeFn("jvm_memory_used_bytes", "Heap.\nIn bytes \\ total.", () -> 1.5e9);
        in.add(0, 3);
        in.inc(1);
        adm.inc(stats.otherSlot());
        active.inc(0);
        active.inc(1);
        h.record(0, 0.25);
        h.record(1, 7);
        h.record(1, 250.5);

        assertThat(stats.renderPrometheus())
                .isEqualTo(
                        """
                        # HELP jvm_memory_used_bytes Heap.\\nIn bytes \\\\ total.
                        # TYPE jvm_memory_used_bytes gauge
                        jvm_memory_used_bytes 1500000000
                        # HELP weir_cluster_upstream_cx_active Open connections.
                        # TYPE weir_cluster_upstream_cx_active gauge
                        weir_cluster_upstream_cx_active{cluster="b"} 2
                        # HELP weir_cluster_upstream_rq_time Upstream time, ms.
                        # TYPE weir_cluster_upstream_rq_time histogram
                        weir_cluster_upstream_rq_time_bucket{cluster="b",le="0.5"} 1
                        weir_cluster_upstream_rq_time_bucket{cluster="b",le="10"} 2
                        weir_cluster_upstream_rq_time_bucket{cluster="b",le="100"} 2
                        weir_cluster_upstream_rq_time_bucket{cluster="b",le="+Inf"} 3
                        weir_cluster_upstream_rq_time_sum{cluster="b"} 257.75
                        weir_cluster_upstream_rq_time_count{cluster="b"} 3
                        # HELP weir_http_downstream_rq_total Requests.
                        # TYPE weir_http_downstream_rq_total counter
                        weir_http_downstream_rq_total{listener="adm"} 1
                        weir_http_downstream_rq_total{listener="in"} 4
                        """);
    }

    @Test
    void rendersEnvoyStyleTextWithHistogramSummaries() {
        stats.counter("weir_b_total", "b", "listener", "in").add(0, 7);
        stats.counter("weir_a_total", "a").inc(1);
        stats.gaugeFn("weir_ratio", "r", () -> 0.25);
        Histogram h = stats.histogram("weir_t", "t", new double[] {10, 20, 40}, "cluster", "x");
        for (int i = 0; i < 50; i++) {
            h.record(0, 5);
        }
        for (int i = 0; i < 40; i++) {
            h.record(1, 15);
        }
        for (int i = 0; i < 10; i++) {
            h.record(1, 30);
        }
        stats.histogram("weir_empty", "e", new double[] {1});

        assertThat(stats.renderText())
                .isEqualTo(
                        """
                        weir_a_total: 1
                        weir_b_total{listener="in"}: 7
                        weir_empty: P50=nan P90=nan P99=nan count=0 sum=0
                        weir_ratio: 0.25
                        weir_t{cluster="x"}: P50=10 P90=20 P99=38 count=100 sum=1150
                        """);
    }

    @Test
    void escapesLabelValues() {
        stats.counter("weir_e_total", "e", "path", "a\"b\\c\nd").inc(0);
        String expected = "weir_e_total{path=\"a\\\"b\\\\c\\nd\"} 1\n";
        assertThat(stats.renderPrometheus()).endsWith(expected);
        assertThat(stats.renderText()).isEqualTo("weir_e_total{path=\"a\\\"b\\\\c\\nd\"}: 1\n");
    }

    @Test
    void computedGaugesAreReadAtRenderTimeAndAFailingOneIsNaN() {
        AtomicLong v = new AtomicLong(1);
        stats.gaugeFn("weir_fn", "f", v::get);
        v.set(42);
        assertThat(stats.renderText()).isEqualTo("weir_fn: 42\n");
        stats.gaugeFn(
                "weir_fn",
                "f",
                () -> {
                    throw new IllegalStateException("boom");
                });
        assertThat(stats.renderText()).isEqualTo("weir_fn: NaN\n");
        assertThat(stats.renderPrometheus()).endsWith("weir_fn NaN\n");
    }

    @Test
    void defaultBucketsAreEnvoys() {
        assertThat(Stats.DEFAULT_MS_BUCKETS)
                .containsExactly(
                        0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
                        300000, 600000, 1800000, 3600000);
        assertThat(Stats.formatNumber(1e20)).isEqualTo("1.0E20");
        assertThat(Stats.formatNumber(Double.NEGATIVE_INFINITY)).isEqualTo("-Inf");
    }
}
