package io.weir.filters.fault;

import io.weir.spi.ConfigNode;
import io.weir.spi.HttpFilter;
import io.weir.spi.HttpFilterFactory;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.Metrics;
import io.weir.spi.RootContext;
import io.weir.spi.StreamContext;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code weir.fault}: Envoy's fault injection filter (Istio's {@code fault}). {@link #parseConfig}
 * binds a block; the count of faults in progress belongs to the listener's block and is shared by
 * every worker's root. Stateless and thread-safe.
 */
final class FaultFilterFactory implements HttpFilterFactory {
    static final String NAME = "weir.fault";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Object parseConfig(ConfigNode config) {
        return FaultConfig.from(config);
    }

    @Override
    public HttpFilterRoot createRoot(RootContext context) {
        return new Root(context, ((FaultConfig) context.config()).active());
    }

    /** Per worker: the metrics and the process-wide count of faults in progress. */
    static final class Root implements HttpFilterRoot {
        private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

        final RootContext context;
        final AtomicInteger active;
        final Metrics.Counter delays;
        final Metrics.Counter aborts;
        final Metrics.Counter overflow;
        final Metrics.Gauge activeGauge;
        private long lastWarn;
        private boolean warned;

        Root(RootContext context, AtomicInteger active) {
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
}
