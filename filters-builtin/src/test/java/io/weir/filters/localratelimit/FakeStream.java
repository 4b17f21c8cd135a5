package io.weir.filters.localratelimit;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A stream context for unit tests without sockets: a manual clock, request headers, properties,
 * metrics kept in memory and the local reply. (The SPI's test kit, {@code io.weir.spi.testkit}, is
 * not on this module's test class path; this is the part of it these tests need.) One {@link
 * Worker} plays one worker: its root and the streams it runs; two workers share a config, and so
 * its buckets, as in Weir.
 */
final class FakeStream implements StreamContext {
    static final long START_NANOS = 1_000_000_000_000L;

    /** Parses {@code raw} with the factory; throws with every error line when there are any. */
    static Object parse(HttpFilterFactory factory, Map<String, Object> raw) {
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

    /** A manual monotonic clock. */
    static final class Clock {
        long nanos = START_NANOS;

        void advance(Duration d) {
            nanos += d.toNanos();
        }
    }

    /** One worker: a root made by the factory for the listener's config. */
    static final class Worker {
        final Clock clock;
        final TestMetrics metrics;
        final Object config;
        final HttpFilterRoot root;

        Worker(HttpFilterFactory factory, Object config, Clock clock, TestMetrics metrics) {
            this.clock = clock;
            this.metrics = metrics;
            this.config = config;
            this.root = factory.createRoot(new Root(this));
        }

        /** A request with {@code headers} (name, value pairs) under the listener's config. */
        FakeStream send(String... headers) {
            return send(config, Map.of(), headers);
        }

        /** A request under {@code config} (a route override) with properties. */
        FakeStream send(Object config, Map<String, String> properties, String... headers) {
            FakeStream s = new FakeStream(this, config, properties);
            for (int i = 0; i < headers.length; i += 2) {
                s.request.add(headers[i], headers[i + 1]);
            }
            HttpFilter f = root.newFilter(s);
            s.status = f.onRequestHeaders(s.request, true);
            if (s.reply == null && s.status == FilterStatus.CONTINUE) {
                s.response = new TestHeaders();
                s.response.set(":status", "200");
                f.onResponseHeaders(s.response, true);
            }
            f.onLog();
            f.onDestroy();
            return s;
        }
    }

    final Worker worker;
    final Object config;
    final Map<String, String> properties;
    final TestHeaders request = new TestHeaders();
    TestHeaders response;
    LocalReply reply;
    FilterStatus status;

    private FakeStream(Worker worker, Object config, Map<String, String> properties) {
        this.worker = worker;
        this.config = config;
        this.properties = properties;
        request.set(":method", "GET");
        request.set(":path", "/");
    }

    /** The status the client got: the upstream's 200 or the local reply's. */
    int clientStatus() {
        return reply != null ? reply.status() : Integer.parseInt(response.get(":status"));
    }

    /** A header the client got. */
    String clientHeader(String name) {
        if (reply != null) {
            return reply.headers().stream()
                    .filter(e -> e.getKey().equals(name))
                    .map(Map.Entry::getValue)
                    .findFirst()
                    .orElse(null);
        }
        return response.get(name);
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
        return response;
    }

    @Override
    public void continueRequest() {}

    @Override
    public void continueResponse() {}

    @Override
    public void sendLocalReply(LocalReply r) {
        if (reply != null) {
            throw new IllegalStateException("a second local reply");
        }
        reply = r;
    }

    @Override
    public void resetStream() {
        throw new UnsupportedOperationException();
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
        return properties.get(name);
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
        return LocalRateLimitFilterFactory.NAME;
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
        return worker.clock.nanos / 1_000_000;
    }

    @Override
    public long nanoTime() {
        return worker.clock.nanos;
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
        return worker.metrics;
    }

    /** The root context: metrics and the clock. */
    private record Root(Worker worker) implements RootContext {
        @Override
        public void setTickPeriod(Duration period) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Object config() {
            return worker.config;
        }

        @Override
        public String filterName() {
            return LocalRateLimitFilterFactory.NAME;
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
            return worker.clock.nanos / 1_000_000;
        }

        @Override
        public long nanoTime() {
            return worker.clock.nanos;
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
            return worker.metrics;
        }
    }

    /** Counters without labels (beyond the filter's), thread-safe; an undefined name throws. */
    static final class TestMetrics implements Metrics {
        private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();

        long counter(String name) {
            AtomicLong v = counters.get(name);
            if (v == null) {
                throw new IllegalArgumentException("no counter " + name + " was defined");
            }
            return v.get();
        }

        @Override
        public Counter counter(String name, String help, String... labelNames) {
            if (labelNames.length != 0) {
                throw new UnsupportedOperationException("labels");
            }
            AtomicLong v = counters.computeIfAbsent(name, k -> new AtomicLong());
            return (n, values) -> v.addAndGet(n);
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
