package io.weir.kernel.http;

import io.weir.kernel.filter.FilterServices;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.RootContext;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The kernel side of one filter's root context on one worker. Worker thread only. A failing root
 * callback (tick, timer, call-out, queue) is counted and logged; the root keeps running.
 */
final class RootContextImpl extends FilterContextBase implements RootContext {
    HttpFilterRoot root;
    private ScheduledFuture<?> tick;

    RootContextImpl(ListenerFilters.Entry entry, Worker worker, FilterServices services) {
        super(entry, worker, services);
    }

    @Override
    public Object config() {
        return entry.config.parsed();
    }

    @Override
    public void setTickPeriod(Duration period) {
        if (gone()) {
            return;
        }
        if (tick != null) {
            tick.cancel(false);
            tick = null;
        }
        long ns = period.toNanos();
        if (ns > 0) {
            tick =
                    worker.dispatcher()
                            .eventLoop()
                            .scheduleAtFixedRate(
                                    () -> {
                                        if (!ended) {
                                            runCallback(root::onTick);
                                        }
                                    },
                                    ns,
                                    ns,
                                    TimeUnit.NANOSECONDS);
        }
    }

    @Override
    void runCallback(Runnable callback) {
        long t0 = System.nanoTime();
        try {
            callback.run();
        } catch (RuntimeException | LinkageError | StackOverflowError e) {
            entry.failed(worker.slot(), "root callback", e);
        } finally {
            entry.stats.invocations.inc(worker.slot());
            long dt = System.nanoTime() - t0;
            if (entry.callbackTimeoutNanos > 0 && dt > entry.callbackTimeoutNanos) {
                entry.overran(worker.slot(), "root callback", dt);
            }
        }
    }

    /** Retires the root: {@code onDone}, then timers, ticks and call-outs are cancelled. */
    void done() {
        if (ended) {
            return;
        }
        if (tick != null) {
            tick.cancel(false);
            tick = null;
        }
        if (root != null) {
            runCallback(root::onDone);
        }
        end();
    }
}
