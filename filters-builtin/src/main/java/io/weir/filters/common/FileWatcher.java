package io.weir.filters.common;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One daemon thread for the process that polls the files built-in filters reload on change (the
 * keys file of {@code weir.api_key}, the htpasswd file of {@code weir.basic_auth}), so no file is
 * read on an event loop. A watched target is held weakly: once the config that owns it is replaced
 * and collected, its task cancels itself. Thread-safe.
 */
public final class FileWatcher {
    /** What the watcher calls, on its own thread. */
    public interface Target {
        /** Reads the file if it changed; a failure keeps what was loaded before. */
        void poll();
    }

    private static final ScheduledExecutorService POLLER =
            Executors.newSingleThreadScheduledExecutor(
                    r -> {
                        Thread t = new Thread(r, "weir-filter-file-watcher");
                        t.setDaemon(true);
                        return t;
                    });

    private FileWatcher() {}

    /**
     * Calls {@code target.poll()} every {@code interval} while {@code target} is reachable; a poll
     * that throws is logged under {@code weir.filter.<filterName>} (the exception's class only: the
     * file may hold secrets) and the watch goes on.
     */
    public static void watch(Target target, Duration interval, String filterName, String what) {
        WeakReference<Target> ref = new WeakReference<>(target);
        AtomicReference<ScheduledFuture<?>> self = new AtomicReference<>();
        long ms = Math.max(1, interval.toMillis());
        self.set(
                POLLER.scheduleWithFixedDelay(
                        () -> {
                            Target t = ref.get();
                            if (t == null) {
                                ScheduledFuture<?> f = self.get();
                                if (f != null) {
                                    f.cancel(false);
                                }
                                return;
                            }
                            try {
                                t.poll();
                            } catch (RuntimeException e) {
                                System.getLogger("weir.filter." + filterName)
                                        .log(
                                                System.Logger.Level.WARNING,
                                                what
                                                        + " poll failed error="
                                                        + e.getClass().getSimpleName());
                            }
                        },
                        ms,
                        ms,
                        TimeUnit.MILLISECONDS));
    }
}
