package io.weir.examples.allowlist;

import io.weir.spi.HttpFilter;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.Metrics;
import io.weir.spi.RootContext;
import io.weir.spi.StreamContext;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;

/**
 * The per-worker root: defines the decision counter once and rate-limits the warning about a
 * failing service. Worker-confined, so plain fields suffice.
 */
final class AllowListRoot implements HttpFilterRoot {
    static final String DECISIONS = "example_allow_list_decisions_total";
    private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final RootContext context;
    private Metrics.Counter decisions;
    private boolean warned;
    private long lastWarnNanos;
    private long suppressed;

    AllowListRoot(RootContext context) {
        this.context = context;
    }

    @Override
    public void onConfigure(Object config) {
        decisions =
                context.metrics()
                        .counter(
                                DECISIONS,
                                "Requests decided by the allow list, by outcome: allowed, denied,"
                                        + " missing_header, failure_allowed, failure_denied.",
                                "decision");
    }

    @Override
    public HttpFilter newFilter(StreamContext stream) {
        return new AllowListFilter(stream, this);
    }

    void count(String decision) {
        decisions.inc(decision);
    }

    /** A degraded path: WARN, at most once per 10 s per worker, with the number suppressed. */
    void warnFailure(String cluster, String reason) {
        long now = context.nanoTime();
        if (warned && now - lastWarnNanos < WARN_EVERY_NANOS) {
            suppressed++;
            return;
        }
        context.logger()
                .log(
                        Level.WARNING,
                        "allow list call-out failed cluster="
                                + cluster
                                + " reason="
                                + reason
                                + " suppressed="
                                + suppressed);
        warned = true;
        lastWarnNanos = now;
        suppressed = 0;
    }
}
