package io.weir.kernel.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.kernel.stats.Stats;
import io.weir.spi.Metrics;
import org.junit.jupiter.api.Test;

class FilterMetricsTest {
    private final Stats stats = new Stats(2);
    private final ThreadLocal<Integer> slot = ThreadLocal.withInitial(() -> 0);
    private final FilterMetrics metrics = new FilterMetrics(stats, "f1", slot);

    @Test
    void countsASeriesWithoutLabelsUnderTheFilterLabel() {
        Metrics.Counter c = metrics.counter("weir_test_hits_total", "hits");
        c.inc();
        c.add(4);
        assertThat(stats.renderPrometheus()).contains("weir_test_hits_total{filter=\"f1\"} 5");
    }

    @Test
    void countsEachLabelTupleInItsOwnSeries() {
        Metrics.Counter c = metrics.counter("weir_test_codes_total", "codes", "code");
        c.inc("200");
        c.inc("200");
        c.inc("503");
        assertThat(stats.renderPrometheus())
                .contains("weir_test_codes_total{filter=\"f1\",code=\"200\"} 2")
                .contains("weir_test_codes_total{filter=\"f1\",code=\"503\"} 1");
    }

    @Test
    void rejectsLabelValuesASeriesWithoutLabelsDoesNotHave() {
        Metrics.Counter c = metrics.counter("weir_test_plain_total", "plain");
        assertThatThrownBy(() -> c.inc("extra"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expected 0 label values, got 1");
        Metrics.Histogram h = metrics.histogram("weir_test_seconds", "s", new double[] {1});
        assertThatThrownBy(() -> h.record(0.5, "extra"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expected 0 label values, got 1");
    }

    @Test
    void recordsAHistogramWithoutLabels() {
        Metrics.Histogram h = metrics.histogram("weir_test_seconds", "s", new double[] {1, 2});
        h.record(0.5);
        h.record(1.5);
        assertThat(stats.renderPrometheus())
                .contains("weir_test_seconds_bucket{filter=\"f1\",le=\"1\"} 1")
                .contains("weir_test_seconds_count{filter=\"f1\"} 2");
    }
}
