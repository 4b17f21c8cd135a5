package io.weir.filters.fault;

import io.weir.spi.Cancellable;
import io.weir.spi.ConfigNode;
import io.weir.spi.FilterStatus;
import io.weir.spi.Headers;
import io.weir.spi.HttpCallRequest;
import io.weir.spi.HttpCallResponse;
import io.weir.spi.HttpFilter;
import io.weir.spi.HttpFilterFactory;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.LocalReply;
import io.weir.spi.Metrics;
import io.weir.spi.RootContext;
import io.weir.spi.SharedData;
import io.weir.spi.SharedQueue;
import io.weir.spi.StreamContext;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A stream context for unit tests without sockets or threads, playing the kernel for one worker: a
 * manual clock whose {@link Worker#advance} runs the timers that fall due, continue and local
 * replies, response flags, metrics in memory, and the end of a stream (timers cancelled, {@code
 * onLog}, {@code onDestroy}). As on an event loop, {@code continueRequest()} and the end of a
 * stream run after the callback that caused them returns. (The SPI's test kit, {@code
 * io.weir.spi.testkit}, is not on this module's test class path; this is the part of it these tests
 * need.)
 */
final class FakeStream implements StreamContext {
    static final long START_NANOS = 1_000_000_000_000L;

    /** Parses {@code raw}; throws with every error line when there are any. */
    static Object parse(HttpFilterFactory factory, Object raw) {
        List<String> errors = new ArrayList<>();
        Object parsed = factory.parseConfig(ConfigNode.of(raw, "config", errors::add));
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", errors));
        }
        return parsed;
    }

    /** The error lines of {@code raw}. */
    static List<String> errors(HttpFilterFactory factory, Object raw) {
        List<String> errors = new ArrayList<>();
        factory.parseConfig(ConfigNode.of(raw, "config", errors::add));
        return errors;
    }

    /** One worker: the root for the listener's config, its clock, timers and pending work. */
    static final class Worker {
        final Object config;
        final TestMetrics metrics;
        final HttpFilterRoot root;
        long nanos = START_NANOS;
        private final PriorityQueue<Timer> timers =
                new PriorityQueue<>(
                        Comparator.comparingLong((Timer t) -> t.due).thenComparingLong(t -> t.seq));
        private final ArrayDeque<Runnable> pending = new ArrayDeque<>();
        private long seq;

        Worker(HttpFilterFactory factory, Object config, TestMetrics metrics) {
            this.config = config;
            this.metrics = metrics;
            this.root = factory.createRoot(new Root(this));
        }

        /** Starts a request under the listener's config with (name, value) headers. */
        FakeStream send(String... headers) {
            return send(config, headers);
        }

        /** Starts a request under {@code config} (a route override). */
        FakeStream send(Object config, String... headers) {
            FakeStream s = new FakeStream(this, config);
            for (int i = 0; i < headers.length; i += 2) {
                s.request.add(headers[i], headers[i + 1]);
            }
            s.filter = root.newFilter(s);
            FilterStatus st = s.filter.onRequestHeaders(s.request, true);
            if (st == FilterStatus.CONTINUE && !s.over) {
                s.forwarded = true;
            }
            drain();
            return s;
        }

        /** Moves the clock, running the timers that fall due, each at its instant. */
        void advance(Duration d) {
            long target = nanos + d.toNanos();
            Timer t;
            while ((t = timers.peek()) != null && t.due <= target) {
                timers.poll();
                nanos = t.due;
                t.task.run();
                drain();
            }
            nanos = target;
        }

        int pendingTimers() {
            return timers.size();
        }

        private void drain() {
            Runnable r;
            while ((r = pending.poll()) != null) {
                r.run();
            }
        }
    }

    private static final class Timer implements Cancellable {
        final long due;
        final long seq;
        final Runnable task;
        final Worker w;

        Timer(Worker w, long due, long seq, Runnable task) {
            this.w = w;
            this.due = due;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public void cancel() {
            w.timers.remove(this);
        }
    }

    final Worker w;
    final Object config;
    final TestHeaders request = new TestHeaders();
    final List<String> flags = new ArrayList<>();
    private final List<Timer> owned = new ArrayList<>();
    HttpFilter filter;
    LocalReply reply;
    boolean forwarded;
    boolean over;
    boolean destroyed;

    private FakeStream(Worker w, Object config) {
        this.w = w;
        this.config = config;
        request.set(":method", "GET");
        request.set(":path", "/");
    }

    /** The upstream answers (or the client leaves, when not forwarded): the stream ends. */
    void end() {
        if (!over) {
            over = true;
            finish();
        }
        w.drain();
    }

    private void finish() {
        owned.forEach(Timer::cancel);
        w.pending.add(
                () -> {
                    filter.onLog();
                    filter.onDestroy();
                    destroyed = true;
                });
    }

    @Override
    public Object config() {
        return config;
    }

    @Override
    public Headers requestHeaders() {
        return request;
    }

    @Override
    public Headers responseHeaders() {
        return null;
    }

    @Override
    public void continueRequest() {
        w.pending.add(
                () -> {
                    if (!over) {
                        forwarded = true;
                    }
                });
    }

    @Override
    public void continueResponse() {}

    @Override
    public void sendLocalReply(LocalReply r) {
        if (over) {
            throw new IllegalStateException("the stream is over");
        }
        reply = r;
        over = true;
        finish();
    }

    @Override
    public void resetStream() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void addResponseFlag(String flag) {
        flags.add(flag);
    }

    @Override
    public void bufferRequestBody(int maxBytes) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void bufferResponseBody(int maxBytes) {
        throw new UnsupportedOperationException();
    }

    @Override
    public String property(String name) {
        return null;
    }

    @Override
    public void setMetadata(String key, Object value) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Object metadata(String key) {
        return null;
    }

    @Override
    public String filterName() {
        return FaultFilterFactory.NAME;
    }

    @Override
    public int workerId() {
        return 0;
    }

    @Override
    public System.Logger logger() {
        return System.getLogger("weir.filter." + filterName());
    }

    @Override
    public long currentTimeMillis() {
        return w.nanos / 1_000_000;
    }

    @Override
    public long nanoTime() {
        return w.nanos;
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        Timer t = new Timer(w, w.nanos + Math.max(0, delay.toNanos()), w.seq++, task);
        w.timers.add(t);
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
    public Metrics metrics() {
        return w.metrics;
    }

    /** The root context: config, metrics, logger and clock. */
    private record Root(Worker w) implements RootContext {
        @Override
        public void setTickPeriod(Duration period) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Object config() {
            return w.config;
        }

        @Override
        public String filterName() {
            return FaultFilterFactory.NAME;
        }

        @Override
        public int workerId() {
            return 0;
        }

        @Override
        public System.Logger logger() {
            return System.getLogger("weir.filter." + filterName());
        }

        @Override
        public long currentTimeMillis() {
            return w.nanos / 1_000_000;
        }

        @Override
        public long nanoTime() {
            return w.nanos;
        }

        @Override
        public Cancellable schedule(Duration delay, Runnable task) {
            throw new UnsupportedOperationException();
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
        public Metrics metrics() {
            return w.metrics;
        }
    }

    /** Counters and gauges without labels (beyond the filter's); an undefined name throws. */
    static final class TestMetrics implements Metrics {
        private final Map<String, AtomicLong> values = new ConcurrentHashMap<>();

        long value(String name) {
            AtomicLong v = values.get(name);
            if (v == null) {
                throw new IllegalArgumentException("no metric " + name + " was defined");
            }
            return v.get();
        }

        private AtomicLong define(String name, String... labelNames) {
            if (labelNames.length != 0) {
                throw new UnsupportedOperationException("labels");
            }
            return values.computeIfAbsent(name, k -> new AtomicLong());
        }

        @Override
        public Counter counter(String name, String help, String... labelNames) {
            AtomicLong v = define(name, labelNames);
            return (n, labelValues) -> {
                if (n < 0) {
                    throw new IllegalArgumentException("a counter cannot go down");
                }
                v.addAndGet(n);
            };
        }

        @Override
        public Gauge gauge(String name, String help, String... labelNames) {
            AtomicLong v = define(name, labelNames);
            return new Gauge() {
                @Override
                public void add(long delta, String... labelValues) {
                    v.addAndGet(delta);
                }

                @Override
                public void set(long value, String... labelValues) {
                    v.set(value);
                }
            };
        }

        @Override
        public Histogram histogram(
                String name, String help, double[] buckets, String... labelNames) {
            throw new UnsupportedOperationException();
        }
    }

    /** A header map: names lower case, insertion order. */
    static final class TestHeaders implements Headers {
        private final List<Map.Entry<String, String>> fields = new ArrayList<>();

        @Override
        public String get(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            for (Map.Entry<String, String> e : fields) {
                if (e.getKey().equals(n)) {
                    return e.getValue();
                }
            }
            return null;
        }

        @Override
        public List<String> getAll(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            return fields.stream()
                    .filter(e -> e.getKey().equals(n))
                    .map(Map.Entry::getValue)
                    .toList();
        }

        @Override
        public void set(String name, String value) {
            remove(name);
            add(name, value);
        }

        @Override
        public void add(String name, String value) {
            fields.add(Map.entry(name.toLowerCase(Locale.ROOT), value));
        }

        @Override
        public void remove(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            fields.removeIf(e -> e.getKey().equals(n));
        }

        @Override
        public void forEach(BiConsumer<String, String> action) {
            fields.forEach(e -> action.accept(e.getKey(), e.getValue()));
        }

        @Override
        public List<Map.Entry<String, String>> entries() {
            return new ArrayList<>(fields);
        }
    }
}
