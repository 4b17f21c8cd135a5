package io.weir.kernel.http;

import io.weir.kernel.filter.FilterServices;
import io.weir.spi.Cancellable;
import io.weir.spi.FilterContext;
import io.weir.spi.HttpCallRequest;
import io.weir.spi.HttpCallResponse;
import io.weir.spi.Metrics;
import io.weir.spi.SharedData;
import io.weir.spi.SharedQueue;
import java.lang.System.Logger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What root and stream contexts share: identity, timers and call-outs (cancelled when the context
 * ends), shared data, queues, metrics. Worker thread only, except the thread-safe objects it hands
 * out. After {@link #end()} every call is ignored and counted.
 */
abstract class FilterContextBase implements FilterContext {
    final ListenerFilters.Entry entry;
    final Worker worker;
    final FilterServices services;
    private LinkedHashSet<Cancellable> pending;
    boolean ended;

    FilterContextBase(ListenerFilters.Entry entry, Worker worker, FilterServices services) {
        this.entry = entry;
        this.worker = worker;
        this.services = services;
    }

    /** True (and counted) when the context has ended: the caller must then do nothing. */
    final boolean gone() {
        if (ended) {
            entry.stats.callsAfterDestroy.inc(worker.slot());
            return true;
        }
        return false;
    }

    /** Ends the context: pending timers and call-outs are cancelled. */
    void end() {
        ended = true;
        if (pending != null) {
            for (Cancellable c : new ArrayList<>(pending)) {
                c.cancel();
            }
            pending = null;
        }
    }

    private void track(Cancellable c) {
        if (pending == null) {
            pending = new LinkedHashSet<>();
        }
        pending.add(c);
    }

    private void untrack(Cancellable c) {
        if (pending != null) {
            pending.remove(c);
        }
    }

    /** Runs a callback of this filter under the chain's failure handling. */
    abstract void runCallback(Runnable callback);

    @Override
    public String filterName() {
        return entry.name;
    }

    @Override
    public int workerId() {
        return worker.slot();
    }

    @Override
    public Logger logger() {
        return entry.logger;
    }

    @Override
    public long currentTimeMillis() {
        return System.currentTimeMillis();
    }

    @Override
    public long nanoTime() {
        return worker.dispatcher().nanoTime();
    }

    @Override
    public java.util.concurrent.Executor executor() {
        return task -> {
            java.util.Objects.requireNonNull(task, "task");
            worker.dispatcher()
                    .post(
                            () -> {
                                if (!ended) {
                                    runCallback(task);
                                }
                            });
        };
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        if (gone()) {
            return () -> {};
        }
        Cancellable[] self = new Cancellable[1];
        ScheduledFuture<?> f =
                worker.dispatcher()
                        .schedule(
                                () -> {
                                    untrack(self[0]);
                                    if (!ended) {
                                        runCallback(task);
                                    }
                                },
                                Math.max(0, delay.toNanos()),
                                TimeUnit.NANOSECONDS);
        self[0] =
                () -> {
                    f.cancel(false);
                    untrack(self[0]);
                };
        track(self[0]);
        return self[0];
    }

    @Override
    public Cancellable httpCall(
            String cluster,
            HttpCallRequest request,
            Duration timeout,
            Consumer<HttpCallResponse> callback) {
        if (gone()) {
            return () -> {};
        }
        HttpCallout[] self = new HttpCallout[1];
        self[0] =
                new HttpCallout(
                        worker,
                        cluster,
                        request,
                        r -> {
                            if (!ended) {
                                runCallback(() -> callback.accept(r));
                            }
                        },
                        () -> untrack(self[0]),
                        traceParent());
        track(self[0]);
        self[0].start(timeout);
        return self[0];
    }

    /** The span a call-out of this context is a child of: the stream's, or null. */
    io.weir.spi.tracing.TraceSpan traceParent() {
        return null;
    }

    @Override
    public SharedData sharedData() {
        return services.sharedData(entry.name);
    }

    @Override
    public SharedQueue registerQueue(String name, Runnable onMessage) {
        return services.queues()
                .register(
                        name,
                        worker.dispatcher()::post,
                        () -> {
                            if (!ended) {
                                runCallback(onMessage);
                            }
                        });
    }

    @Override
    public SharedQueue resolveQueue(String name) {
        return services.queues().resolve(name);
    }

    @Override
    public Metrics metrics() {
        return services.metrics(entry.name);
    }
}
