package io.weir.kernel.filter;

import io.weir.kernel.stats.Counter;
import io.weir.kernel.stats.Histogram;
import io.weir.kernel.stats.Stats;

/**
 * The kernel's stats of one filter name: {@code weir_filter_invocations_total} (callbacks called),
 * {@code weir_filter_errors_total} (callbacks that threw or overran), {@code
 * weir_filter_duration_seconds} (time spent in the filter per request, all callbacks together),
 * {@code weir_filter_calls_after_destroy_total}. Per-worker slots: no locks on the hot path.
 */
public final class FilterStats {
    /** Buckets from 5 µs to 2.5 s. */
    static final double[] SECONDS_BUCKETS = {
        0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
        0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5
    };

    public final Counter invocations;
    public final Counter errors;
    public final Counter callsAfterDestroy;
    public final Histogram duration;

    public FilterStats(Stats stats, String filter) {
        invocations =
                stats.counter(
                        "weir_filter_invocations_total",
                        "Filter callbacks called",
                        "filter",
                        filter);
        errors =
                stats.counter(
                        "weir_filter_errors_total",
                        "Filter callbacks that threw or overran",
                        "filter",
                        filter);
        callsAfterDestroy =
                stats.counter(
                        "weir_filter_calls_after_destroy_total",
                        "Calls from a filter after its stream or root was destroyed (ignored)",
                        "filter",
                        filter);
        duration =
                stats.histogram(
                        "weir_filter_duration_seconds",
                        "Time a filter spent on one request, all its callbacks together",
                        SECONDS_BUCKETS,
                        "filter",
                        filter);
    }
}
