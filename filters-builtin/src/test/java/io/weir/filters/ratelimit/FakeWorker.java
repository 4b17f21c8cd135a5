package io.weir.filters.ratelimit;

import io.weir.spi.Cancellable;
import io.weir.spi.FilterStatus;
import io.weir.spi.Headers;
import io.weir.spi.HttpCallRequest;
import io.weir.spi.HttpCallResponse;
import io.weir.spi.HttpFilter;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.LocalReply;
import io.weir.spi.Metrics;
import io.weir.spi.RootContext;
import io.weir.spi.SharedData;
import io.weir.spi.SharedQueue;
import io.weir.spi.StreamContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A worker for unit tests, without sockets or threads: a manual clock ({@link #advance}), timers,
 * the executor's queue ({@link #runPending}), metrics in memory, and a root and streams with the
 * SPI's contract (timers and executor tasks of an ended stream never run; calls after the end are
 * counted). The weir-spi test kit would do this, but it is not on this module's test class path.
 */
final class FakeWorker {
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Timer> timers =
            new PriorityQueue<>(
                    Comparator.comparingLong((Timer t) -> t.due).thenComparing(t -> t.seq));
    private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();
    private long nanos = 1_000_000_000L;
    private long seq;
    long callsAfterEnd;
    final Root root;
    final HttpFilterRoot filterRoot;

    FakeWorker(RateLimitFilterFactory factory, RateLimitConfig config) throws Exception {
        root = new Root(config);
        filterRoot = factory.createRoot(root);
        filterRoot.onConfigure(config);
    }

    long nanoTime() {
        return nanos;
    }

    /** Runs what the executor received until nothing is left. */
    void runPending() {
        Runnable r;
        while ((r = tasks.poll()) != null) {
            r.run();
        }
    }

    /** Moves the clock, running timers as they fall due (and pending tasks after each). */
    void advance(Duration d) {
        long target = nanos + d.toNanos();
        runPending();
        Timer t;
        while ((t = timers.peek()) != null && t.due <= target) {
            timers.poll();
            nanos = Math.max(nanos, t.due);
            if (!t.cancelled) {
                t.task.run();
            }
            runPending();
        }
        nanos = target;
    }

    long counter(String name, String... labels) {
        AtomicLong v = counters.get(name + Arrays.toString(labels));
        return v == null ? 0 : v.get();
    }

    /** Starts a request: the filter's {@code onRequestHeaders} runs at once. */
    Stream request(Map<String, String> headers, Map<String, String> properties) {
        return request(headers, properties, root.config);
    }

    /** With {@code config} as the route's override. */
    Stream request(Map<String, String> headers, Map<String, String> properties, Object config) {
        Stream s = new Stream(headers, properties, config);
        s.filter = filterRoot.newFilter(s);
        s.status = s.filter.onRequestHeaders(s.headers, true);
        s.forwarded = s.status == FilterStatus.CONTINUE && s.reply == null;
        return s;
    }

    private final class Timer implements Cancellable {
        final long due;
        final long seq;
        final Runnable task;
        boolean cancelled;

        Timer(long due, long seq, Runnable task) {
            this.due = due;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    /** What root and stream contexts share. */
    abstract class Base implements io.weir.spi.FilterContext {
        final List<Timer> owned = new ArrayList<>();
        boolean ended;

        boolean dead() {
            if (ended) {
                callsAfterEnd++;
            }
            return ended;
        }

        void end() {
            ended = true;
            owned.forEach(Timer::cancel);
        }

        @Override
        public String filterName() {
            dead();
            return "weir.ratelimit";
        }

        @Override
        public int workerId() {
            return 0;
        }

        @Override
        public System.Logger logger() {
            return System.getLogger("weir.filter.weir.ratelimit");
        }

        @Override
        public long currentTimeMillis() {
            return nanos / 1_000_000;
        }

        @Override
        public long nanoTime() {
            dead();
            return nanos;
        }

        @Override
        public Cancellable schedule(Duration delay, Runnable task) {
            if (dead()) {
                return () -> {};
            }
            Timer t = new Timer(nanos + delay.toNanos(), seq++, task);
            timers.add(t);
            owned.add(t);
            return t;
        }

        @Override
        public Cancellable httpCall(
                String cluster,
                HttpCallRequest request,
                Duration timeout,
                Consumer<HttpCallResponse> callback) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SharedData sharedData() {
            throw new UnsupportedOperationException();
        }

        @Override
        public SharedQueue registerQueue(String name, Runnable onMessage) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SharedQueue resolveQueue(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Executor executor() {
            // any thread may post; the task is dropped once the context has ended
            return task ->
                    tasks.add(
                            () -> {
                                if (!ended) {
                                    task.run();
                                }
                            });
        }

        @Override
        public Metrics metrics() {
            dead();
            return new Metrics() {
                @Override
                public Counter counter(String name, String help, String... labelNames) {
                    return (n, labelValues) -> {
                        if (labelValues.length != labelNames.length) {
                            throw new IllegalArgumentException(name + ": wrong label count");
                        }
                        counters.computeIfAbsent(
                                        name + Arrays.toString(labelValues), k -> new AtomicLong())
                                .addAndGet(n);
                    };
                }

                @Override
                public Gauge gauge(String name, String help, String... labelNames) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public Histogram histogram(
                        String name, String help, double[] buckets, String... labelNames) {
                    throw new UnsupportedOperationException();
                }
            };
        }
    }

    final class Root extends Base implements RootContext {
        private final Object config;

        Root(Object config) {
            this.config = config;
        }

        @Override
        public void setTickPeriod(Duration period) {}

        @Override
        public Object config() {
            return config;
        }
    }

    /** One request through the filter; the client's view of it. */
    final class Stream extends Base implements StreamContext {
        final MapHeaders headers;
        final Map<String, String> properties;
        HttpFilter filter;
        FilterStatus status;
        boolean forwarded;
        LocalReply reply;
        int continues;

        final Object config;

        Stream(Map<String, String> headers, Map<String, String> properties, Object config) {
            this.headers = new MapHeaders(headers);
            this.properties = properties;
            this.config = config;
        }

        /** The stream is over (a reset by the client, say): onLog, onDestroy, end. */
        void abort() {
            if (!ended) {
                filter.onLog();
                filter.onDestroy();
                end();
            }
        }

        boolean paused() {
            return !ended && !forwarded && reply == null;
        }

        @Override
        public Object config() {
            dead();
            return config;
        }

        @Override
        public Headers requestHeaders() {
            return headers;
        }

        @Override
        public Headers responseHeaders() {
            return null;
        }

        @Override
        public void continueRequest() {
            if (!dead()) {
                continues++;
                forwarded = true;
            }
        }

        @Override
        public void continueResponse() {}

        @Override
        public void sendLocalReply(LocalReply r) {
            if (!dead()) {
                if (reply != null) {
                    throw new IllegalStateException("a second local reply");
                }
                reply = r;
                filter.onLog();
                filter.onDestroy();
                end();
            }
        }

        @Override
        public void resetStream() {
            abort();
        }

        @Override
        public void bufferRequestBody(int maxBytes) {}

        @Override
        public void bufferResponseBody(int maxBytes) {}

        @Override
        public String property(String name) {
            dead();
            return properties.get(name);
        }

        @Override
        public void setMetadata(String key, Object value) {}

        @Override
        public Object metadata(String key) {
            return null;
        }
    }

    /** Request headers over a map (names in lower case). */
    static final class MapHeaders implements Headers {
        private final Map<String, List<String>> map = new HashMap<>();

        MapHeaders(Map<String, String> initial) {
            initial.forEach(this::add);
        }

        @Override
        public String get(String name) {
            List<String> v = map.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        @Override
        public List<String> getAll(String name) {
            return List.copyOf(map.getOrDefault(name.toLowerCase(Locale.ROOT), List.of()));
        }

        @Override
        public void set(String name, String value) {
            List<String> l = new ArrayList<>();
            l.add(value);
            map.put(name.toLowerCase(Locale.ROOT), l);
        }

        @Override
        public void add(String name, String value) {
            map.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(value);
        }

        @Override
        public void remove(String name) {
            map.remove(name.toLowerCase(Locale.ROOT));
        }

        @Override
        public void forEach(java.util.function.BiConsumer<String, String> action) {
            map.forEach((k, vs) -> vs.forEach(v -> action.accept(k, v)));
        }

        @Override
        public List<Map.Entry<String, String>> entries() {
            List<Map.Entry<String, String>> out = new ArrayList<>();
            forEach((k, v) -> out.add(Map.entry(k, v)));
            return out;
        }
    }
}
