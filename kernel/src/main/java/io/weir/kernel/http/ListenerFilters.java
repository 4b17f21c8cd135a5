package io.weir.kernel.http;

import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.config.ListenerConfig;
import io.weir.kernel.config.ListenerConfig.FailPolicy;
import io.weir.kernel.config.ListenerConfig.FilterConfig;
import io.weir.kernel.filter.FilterServices;
import io.weir.kernel.filter.FilterStats;
import io.weir.spi.Body;
import io.weir.spi.FilterConfigException;
import io.weir.spi.Headers;
import io.weir.spi.HttpFilter;
import io.weir.spi.HttpFilterFactory;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The filter chain of one listener in one config generation: an {@link Entry} per configured filter
 * (shared, immutable) and, per worker, the root contexts ({@link WorkerRoots}). Roots are created
 * on their worker by {@link #initWorker}; {@link #retire} ends them once the last stream that uses
 * them is gone.
 */
public final class ListenerFilters {
    private static final Logger LOG = LoggerFactory.getLogger(ListenerFilters.class);

    /** Warnings about one failing filter are logged at most this often. */
    private static final long WARN_INTERVAL_NANOS = 10_000_000_000L;

    final Entry[] entries;

    /** How many entries are enabled by their own config: a stream's chain on a plain route. */
    final int enabledByDefault;

    final WorkerRoots[] workers;
    final FilterServices services;
    private final String listener;

    /**
     * @param listenerIndex the listener's position in the config, for error messages
     */
    public ListenerFilters(
            int listenerIndex,
            ListenerConfig lc,
            FilterRegistry registry,
            FilterServices services,
            int workerCount) {
        this.listener = lc.name();
        this.services = services;
        List<FilterConfig> fs = lc.http().filters();
        entries = new Entry[fs.size()];
        for (int i = 0; i < entries.length; i++) {
            FilterConfig fc = fs.get(i);
            HttpFilterFactory factory = registry.factory(fc.name());
            if (factory == null) {
                throw new IllegalStateException("no factory for filter " + fc.name());
            }
            entries[i] =
                    new Entry(
                            i,
                            fc,
                            factory,
                            services.filterStats(fc.name()),
                            "listeners[" + listenerIndex + "].http.filters[" + i + "]");
        }
        int on = 0;
        for (Entry e : entries) {
            if (!e.config.disabled()) {
                on++;
            }
        }
        enabledByDefault = on;
        workers = new WorkerRoots[workerCount];
    }

    /** Whether the listener has no filters (the router alone). */
    public boolean isEmpty() {
        return entries.length == 0;
    }

    /**
     * Creates and configures this listener's roots for worker {@code w}; call on that worker's
     * thread. Returns null, or the reason a filter rejected its config (the roots made so far are
     * then retired).
     */
    public String initWorker(Worker w) {
        WorkerRoots wr = new WorkerRoots(entries.length);
        for (Entry e : entries) {
            RootContextImpl ctx = new RootContextImpl(e, w, services);
            String error = null;
            Thread t = Thread.currentThread();
            ClassLoader tccl = t.getContextClassLoader();
            t.setContextClassLoader(e.factory.getClass().getClassLoader());
            try {
                ctx.root = e.factory.createRoot(ctx);
                if (ctx.root == null) {
                    error = "createRoot returned null";
                } else {
                    ctx.root.onConfigure(e.config.parsed());
                }
            } catch (FilterConfigException ex) {
                error = ex.getMessage();
            } catch (RuntimeException | LinkageError ex) {
                error = "failed to start: " + ex;
            } finally {
                t.setContextClassLoader(tccl);
            }
            if (error != null) {
                ctx.end();
                wr.retireNow();
                return e.path + ": filter \"" + e.name + "\" rejected its config: " + error;
            }
            wr.roots[e.index] = ctx;
        }
        workers[w.slot()] = wr;
        return null;
    }

    /**
     * Retires this generation on worker {@code w} (call on its thread): its roots get {@code
     * onDone} once no stream uses them; then {@code whenDone} runs (on that worker).
     */
    public void retire(Worker w, Runnable whenDone) {
        WorkerRoots wr = workers[w.slot()];
        if (wr == null) {
            whenDone.run();
            return;
        }
        wr.whenDone = whenDone;
        wr.retired = true;
        if (wr.active == 0) {
            wr.retireNow();
        }
    }

    /** Weir is stopping: ends this worker's roots now, streams or not (on that worker). */
    public void shutdown(Worker w) {
        WorkerRoots wr = workers[w.slot()];
        if (wr != null) {
            wr.retireNow();
        }
    }

    /** Streams in flight on all workers (racy read, for tests and the admin). */
    public int activeStreams() {
        int n = 0;
        for (WorkerRoots wr : workers) {
            if (wr != null) {
                n += wr.active;
            }
        }
        return n;
    }

    String listener() {
        return listener;
    }

    /** One worker's roots of this generation. Worker thread only. */
    static final class WorkerRoots {
        final RootContextImpl[] roots;
        int active;
        boolean retired;
        private boolean done;
        Runnable whenDone;

        WorkerRoots(int n) {
            roots = new RootContextImpl[n];
        }

        void streamStarted() {
            active++;
        }

        void streamEnded() {
            if (--active == 0 && retired) {
                retireNow();
            }
        }

        void retireNow() {
            if (done) {
                return;
            }
            done = true;
            for (RootContextImpl r : roots) {
                if (r != null) {
                    r.done();
                }
            }
            if (whenDone != null) {
                whenDone.run();
            }
        }
    }

    /** One configured filter: shared by all workers and streams, immutable apart from stats. */
    static final class Entry {
        final int index;
        final String name;
        final FilterConfig config;
        final HttpFilterFactory factory;
        final FilterStats stats;
        final String path;
        final boolean failOpen;
        final long callbackTimeoutNanos;
        final System.Logger logger;
        private final AtomicLong lastWarn = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);
        private final AtomicInteger suppressed = new AtomicInteger();

        Entry(
                int index,
                FilterConfig config,
                HttpFilterFactory factory,
                FilterStats stats,
                String path) {
            this.index = index;
            this.name = config.name();
            this.config = config;
            this.factory = factory;
            this.stats = stats;
            this.path = path;
            this.failOpen = config.failPolicy() == FailPolicy.FAIL_OPEN;
            this.callbackTimeoutNanos = config.callbackTimeout().toNanos();
            this.logger = System.getLogger("weir.filter." + name);
        }

        /**
         * The last filter class this entry's factory made, with its {@link #IMPLEMENTS} bits: a
         * root makes one class, so a stream finds its bits here rather than through the {@link
         * ClassValue} (about 35 ns a request in a profile of a Wasm filter). Workers share the
         * field; a race only replaces one immutable pair with another.
         */
        private Implemented lastImplemented;

        private record Implemented(Class<?> type, int bits) {}

        /** {@link #IMPLEMENTS} of {@code c}. */
        int implementsOf(Class<?> c) {
            Implemented l = lastImplemented;
            if (l != null && l.type == c) {
                return l.bits;
            }
            int bits = IMPLEMENTS.get(c);
            lastImplemented = new Implemented(c, bits);
            return bits;
        }

        /** A callback threw: count it and log one rate-limited warning. */
        void failed(int slot, String where, Throwable t) {
            stats.errors.inc(slot);
            warn(where + " threw " + t, t);
        }

        /** A callback took longer than {@code callback_timeout}. */
        void overran(int slot, String where, long nanos) {
            stats.errors.inc(slot);
            warn(
                    where
                            + " overran callback_timeout took_ms="
                            + nanos / 1_000_000
                            + " limit_ms="
                            + callbackTimeoutNanos / 1_000_000,
                    null);
        }

        private void warn(String what, Throwable t) {
            long now = System.nanoTime();
            long last = lastWarn.get();
            if (now - last < WARN_INTERVAL_NANOS || !lastWarn.compareAndSet(last, now)) {
                suppressed.incrementAndGet();
                return;
            }
            int more = suppressed.getAndSet(0);
            String msg =
                    "filter failed filter="
                            + name
                            + " policy="
                            + (failOpen ? "fail_open" : "fail_closed")
                            + " "
                            + what
                            + (more > 0 ? " (" + more + " more since the last warning)" : "");
            if (t != null && LOG.isDebugEnabled()) {
                LOG.warn(msg, t);
            } else {
                LOG.warn(msg);
            }
        }
    }

    /** Which optional callbacks a filter class implements (so others can be skipped). */
    static final ClassValue<Integer> IMPLEMENTS =
            new ClassValue<>() {
                @Override
                protected Integer computeValue(Class<?> c) {
                    int bits = 0;
                    bits |= overrides(c, "onRequestBody", Body.class, boolean.class) ? REQ_BODY : 0;
                    bits |= overrides(c, "onRequestTrailers", Headers.class) ? REQ_TRAILERS : 0;
                    bits |=
                            overrides(c, "onResponseBody", Body.class, boolean.class)
                                    ? RESP_BODY
                                    : 0;
                    bits |= overrides(c, "onResponseTrailers", Headers.class) ? RESP_TRAILERS : 0;
                    bits |= overrides(c, "onLog") ? ON_LOG : 0;
                    bits |= overrides(c, "onDestroy") ? ON_DESTROY : 0;
                    return bits;
                }
            };

    static final int REQ_BODY = 1;
    static final int REQ_TRAILERS = 2;
    static final int RESP_BODY = 4;
    static final int RESP_TRAILERS = 8;
    static final int ON_LOG = 16;
    static final int ON_DESTROY = 32;

    private static boolean overrides(Class<?> c, String method, Class<?>... params) {
        try {
            return c.getMethod(method, params).getDeclaringClass() != HttpFilter.class;
        } catch (NoSuchMethodException e) {
            return true;
        }
    }
}
