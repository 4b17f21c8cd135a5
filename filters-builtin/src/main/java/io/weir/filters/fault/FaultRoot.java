package io.weir.filters.fault;

import io.weir.spi.HttpFilter;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.Metrics;
import io.weir.spi.RootContext;
import io.weir.spi.StreamContext;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The root of {@code weir.fault} on one worker: its metrics, and the count of faults in progress of
 * the listener's block, shared by every worker. Worker-confined except {@link #active}.
 */
final class FaultRoot implements HttpFilterRoot {
    private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    final RootContext context;
    final AtomicInteger active;
    final Metrics.Counter delays;
    final Metrics.Counter aborts;
    final Metrics.Counter overflow;
    final Metrics.Gauge activeGauge;
    private long lastWarn;
    private boolean warned;

    FaultRoot(RootContext context, AtomicInteger active) {
        this.context = context;
        this.active = active;
        Metrics m = context.metrics();
        delays = m.counter("weir_fault_delays_injected_total", "requests delayed by a fault");
        aborts = m.counter("weir_fault_aborts_injected_total", "requests aborted by a fault");
        overflow =
                m.counter(
                        "weir_fault_overflow_total",
                        "faults not injected because max_active_faults were in progress");
        activeGauge = m.gauge("weir_fault_active", "faults in progress");
    }

    /** Counts one more fault in progress unless {@code max} are; false on overflow. */
    boolean tryActivate(int max, long nowNanos) {
        while (true) {
            int n = active.get();
            if (n >= max) {
                overflow.inc();
                if (!warned || nowNanos - lastWarn >= WARN_EVERY_NANOS) {
                    warned = true;
                    lastWarn = nowNanos;
                    context.logger()
                            .log(
                                    System.Logger.Level.WARNING,
                                    "fault not injected: max_active_faults reached filter="
                                            + context.filterName()
                                            + " max_active_faults="
                                            + max);
                }
                return false;
            }
            if (active.compareAndSet(n, n + 1)) {
                activeGauge.add(1);
                return true;
            }
        }
    }

    void release() {
        active.decrementAndGet();
        activeGauge.add(-1);
    }

    @Override
    public HttpFilter newFilter(StreamContext context) {
        return new FaultFilter(context, this);
    }
}
