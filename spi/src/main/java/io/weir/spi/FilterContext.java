package io.weir.spi;

import java.lang.System.Logger;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * What Weir offers both a root context and a stream: identity, logging, time, timers, call-outs,
 * shared data, shared queues and metrics.
 *
 * <p>Threading: call only from the owning worker thread (the thread that called you), except the
 * thread-safe objects it hands out ({@link SharedData}, {@link SharedQueue}, {@link Metrics}).
 * Callbacks of timers and call-outs run on that same worker. After {@link HttpFilter#onDestroy()}
 * (for a stream) or {@link HttpFilterRoot#onDone()} (for a root) every call is ignored and counted
 * in {@code weir_filter_calls_after_destroy_total}.
 */
public interface FilterContext {
    /** The filter's name as configured, such as {@code example.add_header}. */
    String filterName();

    /** The worker's index, 0 to concurrency - 1. */
    int workerId();

    /**
     * A logger named {@code weir.filter.NAME}. Never log secrets or per-request lines above DEBUG.
     */
    Logger logger();

    /** Wall-clock time in milliseconds since the epoch (injected: tests can drive it). */
    long currentTimeMillis();

    /** A monotonic clock in nanoseconds (injected: tests can drive it). */
    long nanoTime();

    /** Runs {@code task} on this worker after {@code delay}. Cancelled when the context ends. */
    Cancellable schedule(Duration delay, Runnable task);

    /**
     * Sends {@code request} to a configured cluster and delivers the outcome to {@code callback} on
     * this worker, exactly once: a response, or a failure after {@code timeout}, when no host is
     * available, or when the connection fails. A stream's call-outs are cancelled (callback not
     * called) when the stream ends. An unknown cluster fails at once with {@code unknown_cluster}.
     */
    Cancellable httpCall(
            String cluster,
            HttpCallRequest request,
            Duration timeout,
            Consumer<HttpCallResponse> callback);

    /** The process-wide shared data store of this filter's namespace (its name). */
    SharedData sharedData();

    /**
     * Registers (or re-registers) the queue {@code name} for this context: {@code onMessage} runs
     * on this worker after messages were enqueued (once per batch; dequeue until null).
     */
    SharedQueue registerQueue(String name, Runnable onMessage);

    /** The queue {@code name} registered by anyone, or null when no one registered it. */
    SharedQueue resolveQueue(String name);

    /** This filter's metrics. */
    Metrics metrics();

    /**
     * An executor that runs tasks on this context's worker, and the one method here that any thread
     * may call: the way back for a result computed elsewhere (a client library's I/O thread, a
     * Redis reply). A task runs like a callback (an exception counts as the filter's error); tasks
     * that arrive after the context has ended are dropped. Since SPI 1.1.
     */
    default Executor executor() {
        throw new UnsupportedOperationException("executor() needs a Weir with SPI 1.1");
    }

    /** A convenience: log at DEBUG when enabled. */
    default void debug(String message) {
        Logger l = logger();
        if (l.isLoggable(Logger.Level.DEBUG)) {
            l.log(Logger.Level.DEBUG, message);
        }
    }

    /** A convenience for a timer that reports through a {@link Consumer}. */
    default Cancellable schedule(Duration delay, Consumer<FilterContext> task) {
        return schedule(delay, () -> task.accept(this));
    }
}
