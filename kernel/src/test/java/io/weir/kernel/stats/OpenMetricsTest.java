package io.weir.kernel.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OpenMetricsTest {
    private final Stats stats = new Stats(1);

    @Test
    void rendersCountersAsTotalFamiliesOthersAsUnknownAndEndsWithEof() {
        stats.counter("weir_rq_total", "Requests \"all\"", "listener", "in").add(0, 3);
        stats.counter("weir_no_route", "No route").inc(0);
        stats.gauge("weir_active", "Active").add(0, 2);
        stats.counterFn("process_cpu_seconds_total", "CPU", () -> 1.5);
        stats.summaryFn("jvm_gc_collection_seconds", "GC", () -> 4, () -> 0.25, "gc", "young");
        assertThat(stats.renderOpenMetrics())
                .isEqualTo(
                        """
                        # HELP jvm_gc_collection_seconds GC
                        # TYPE jvm_gc_collection_seconds summary
                        jvm_gc_collection_seconds_count{gc="young"} 4
                        jvm_gc_collection_seconds_sum{gc="young"} 0.25
                        # HELP process_cpu_seconds CPU
                        # TYPE process_cpu_seconds counter
                        process_cpu_seconds_total 1.5
                        # HELP weir_active Active
                        # TYPE weir_active gauge
                        weir_active 2
                        # HELP weir_no_route No route
                        # TYPE weir_no_route unknown
                        weir_no_route 1
                        # HELP weir_rq Requests \\"all\\"
                        # TYPE weir_rq counter
                        weir_rq_total{listener="in"} 3
                        # EOF
                        """);
        assertThat(stats.renderPrometheus())
                .contains(
                        "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1.5\n")
                .contains("# HELP weir_rq_total Requests \"all\"\n")
                .doesNotContain("# EOF");
        assertThat(stats.renderText())
                .contains("jvm_gc_collection_seconds{gc=\"young\"}: count=4 sum=0.25\n");
    }

    @Test
    void histogramBucketsCarryARecentTracedValueRefreshedAtMostEvery100Ms() {
        Histogram h = stats.histogram("weir_t_ms", "T", new double[] {1, 10});
        long t = 1_700_000_000_000L;
        h.record(0, 0.5, "00000000000000000000000000000001", t);
        h.record(0, 0.6, "00000000000000000000000000000002", t + 99); // too soon: 1 stays
        assertThat(h.exemplar(0).traceId()).endsWith("1");
        h.record(0, 0.7, "00000000000000000000000000000003", t + 100);
        h.record(0, 50, (String) null, t + 200);
        h.record(0, 60, "00000000000000000000000000000004", t + 250);
        String om = stats.renderOpenMetrics();
        assertThat(om)
                .contains(
                        "weir_t_ms_bucket{le=\"1\"} 3 # {trace_id=\"0000000000000000000000000000000"
                                + "3\"} 0.7 1700000000.100\n")
                .contains("weir_t_ms_bucket{le=\"10\"} 3\n")
                .contains(
                        "weir_t_ms_bucket{le=\"+Inf\"} 5 # {trace_id=\"0000000000000000000000000000000"
                                + "4\"} 60 1700000000.250\n");
        assertThat(h.exemplar(1)).isNull();
        assertThat(stats.renderPrometheus()).doesNotContain("#{").doesNotContain("trace_id");
        // the wall clock stepped back an hour: the next traced value replaces the exemplar at once
        h.record(0, 0.9, "00000000000000000000000000000005", t + 100 - 3_600_000);
        assertThat(h.exemplar(0).traceId()).endsWith("5");
        h.record(0, 0.9, "00000000000000000000000000000006", t + 150 - 3_600_000);
        assertThat(h.exemplar(0).traceId()).endsWith("5");
    }
}
