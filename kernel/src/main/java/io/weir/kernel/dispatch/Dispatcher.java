package io.weir.kernel.dispatch;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One worker's event loop, as Envoy's Dispatcher: every connection, stream, upstream connection and
 * timer of the worker runs on this one thread, so they need no locks. Other threads reach it only
 * through {@link #post}.
 *
 * <p>Threading: {@link #post} may be called from any thread; everything else only from this
 * dispatcher's own thread.
 */
public final class Dispatcher {
    private final int id;
    private final EventLoop loop;

    public Dispatcher(int id, EventLoop loop) {
        this.id = id;
        this.loop = loop;
    }

    /** The worker index, 0..N-1: the slot for per-worker stats. */
    public int id() {
        return id;
    }

    public EventLoop eventLoop() {
        return loop;
    }

    public boolean isThread() {
        return loop.inEventLoop();
    }

    /** Runs {@code task} on this worker, after the current callback; safe from any thread. */
    public void post(Runnable task) {
        loop.execute(task);
    }

    /** A one-shot timer on this worker; cancel it with the returned handle. */
    public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
        return loop.schedule(task, delay, unit);
    }

    /** Monotonic time in nanoseconds, for durations. */
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public String toString() {
        return "worker_" + id;
    }
}
