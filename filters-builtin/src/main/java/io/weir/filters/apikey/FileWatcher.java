package io.weir.filters.apikey;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One daemon thread for the process that polls the keys files of every parsed {@code weir.api_key}
 * block, so no file is read on an event loop. A watched target is held weakly: once the config that
 * owns it is replaced and collected, its task cancels itself. Thread-safe.
 */
final class FileWatcher {
    /** What the watcher calls, on its own thread. */
    interface Target {
        void poll();
    }

    private static final ScheduledExecutorService POLLER =
            Executors.newSingleThreadScheduledExecutor(
                    r -> {
                        Thread t = new Thread(r, "weir-api-key-file-watcher");
                        t.setDaemon(true);
                        return t;
                    });

    private FileWatcher() {}

    /** Calls {@code target.poll()} every {@code interval} while {@code target} is reachable. */
    static void watch(Target target, Duration interval) {
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
                                // keep watching: a failed poll keeps the previous keys
                                System.getLogger("weir.filter." + ApiKeyFilterFactory.NAME)
                                        .log(
                                                System.Logger.Level.WARNING,
                                                "api key file poll failed error="
                                                        + e.getClass().getSimpleName());
                            }
                        },
                        ms,
                        ms,
                        TimeUnit.MILLISECONDS));
    }
}
