package io.weir.spi.testkit;

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
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What the root and stream contexts share: the harness's clock, timers, call-outs, shared data,
 * queues and metrics. Once ended, every call is counted in {@link
 * FilterHarness#callsAfterDestroy()} and actions are ignored, as in Weir.
 */
abstract class BaseContext implements FilterContext {
    private static final Cancellable NOTHING = () -> {};

    final FilterHarness h;
    private final List<Cancellable> owned = new ArrayList<>();
    boolean ended;

    BaseContext(FilterHarness h) {
        this.h = h;
    }

    /** Whether this context has ended; counts the call when it has. */
    final boolean dead() {
        if (ended) {
            h.callsAfterDestroy++;
        }
        return ended;
    }

    final void own(Cancellable c) {
        owned.add(c);
    }

    /** Cancels the timers and call-outs this context made; their callbacks will not run. */
    final void cancelOwned() {
        List<Cancellable> all = List.copyOf(owned);
        owned.clear();
        all.forEach(Cancellable::cancel);
    }

    final void end() {
        cancelOwned();
        ended = true;
    }

    @Override
    public String filterName() {
        dead();
        return h.factory.name();
    }

    @Override
    public int workerId() {
        dead();
        return h.workerId;
    }

    @Override
    public Logger logger() {
        dead();
        return h.logger;
    }

    @Override
    public java.util.concurrent.Executor executor() {
        return task -> {
            Objects.requireNonNull(task, "task");
            h.post(
                    () -> {
                        if (!ended) {
                            task.run();
                        }
                    });
        };
    }

    @Override
    public long currentTimeMillis() {
        dead();
        return h.currentTimeMillis();
    }

    @Override
    public long nanoTime() {
        dead();
        return h.nanoTime();
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        Objects.requireNonNull(task, "task");
        if (dead()) {
            return NOTHING;
        }
        Cancellable c = h.schedule(delay, task);
        own(c);
        return c;
    }

    @Override
    public Cancellable httpCall(
            String cluster,
            HttpCallRequest request,
            Duration timeout,
            Consumer<HttpCallResponse> callback) {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(callback, "callback");
        if (dead()) {
            return NOTHING;
        }
        return h.httpCall(this, cluster, request, timeout, callback);
    }

    @Override
    public SharedData sharedData() {
        dead();
        return h.sharedData();
    }

    @Override
    public SharedQueue registerQueue(String name, Runnable onMessage) {
        Objects.requireNonNull(onMessage, "onMessage");
        if (dead()) {
            return null;
        }
        return h.registerQueue(this, name, onMessage);
    }

    @Override
    public SharedQueue resolveQueue(String name) {
        dead();
        return h.queue(name);
    }

    @Override
    public Metrics metrics() {
        dead();
        return h.metrics;
    }
}
