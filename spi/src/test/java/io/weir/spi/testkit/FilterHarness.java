package io.weir.spi.testkit;

import io.weir.spi.Cancellable;
import io.weir.spi.ConfigNode;
import io.weir.spi.FilterConfigException;
import io.weir.spi.HttpCallRequest;
import io.weir.spi.HttpCallResponse;
import io.weir.spi.HttpFilterFactory;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.RootContext;
import io.weir.spi.SharedData;
import io.weir.spi.SharedQueue;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Plays Weir's kernel for one configured filter on one worker, without sockets or threads: parses
 * the config through {@link HttpFilterFactory#parseConfig}, creates the root with a fake {@link
 * RootContext} and calls {@link HttpFilterRoot#onConfigure}; then {@link #request} runs requests
 * through the filter (see {@link StreamRun}).
 *
 * <p><b>Time</b> is a manual clock: it moves only with {@link #advance}, which runs the timers,
 * ticks and call-out timeouts that fall due, in order, each at its own instant.
 *
 * <p><b>Asynchronous work</b> never runs inside the call that caused it, as on a real event loop: a
 * scripted call-out answer ({@link #onHttpCall}), {@code continueRequest()}/{@code
 * continueResponse()}, the end of a stream ({@code onLog}, {@code onDestroy}) and shared-queue
 * notifications are queued, and every step the test drives ({@code send()}, {@link #advance},
 * {@link CallOut#respond}, {@link StreamRun#abort}, {@link #runPending}) runs the queue until it is
 * empty before returning. So after {@code send()} returns, a scripted call-out has been answered
 * and the filter has reacted. A call-out to a cluster without a script stays pending ({@link
 * #pendingCalls}) until the test answers it or its timeout passes with {@link #advance}.
 *
 * <p>Also: shared data with real compare-and-swap versions ({@link #sharedData}), shared queues
 * ({@link #queue}), metrics kept in memory ({@link #counter}), properties set by the test ({@link
 * #property}), and {@link #callsAfterDestroy()}. An exception thrown by the filter propagates to
 * the test (Weir would apply the filter's {@code fail_policy}). Config errors are reported under
 * the path {@value #CONFIG_PATH}, such as {@code config.header: is required}.
 *
 * <p>One harness plays one worker (id 0); {@link #anotherWorker()} adds a worker of the same
 * listener, sharing the parsed config as in Weir.
 *
 * <p>Not thread-safe: drive it from the test's thread. {@link #close()} ends open streams, calls
 * {@link HttpFilterRoot#onDone()} and cancels the root's timers.
 */
public final class FilterHarness implements AutoCloseable {
    /** The YAML path the kit gives the {@code config:} block in error messages. */
    public static final String CONFIG_PATH = "config";

    /** The manual clock's start: {@code 2023-11-14T22:13:20Z}. */
    public static final long START_MILLIS = 1_700_000_000_000L;

    private static final long START_NANOS = 1_000_000_000_000L;

    final HttpFilterFactory factory;
    final Object config;
    final System.Logger logger;
    final Map<String, String> properties = new HashMap<>();
    final MemoryMetrics metrics;
    final int workerId;
    final List<StreamRun> open = new ArrayList<>();
    final Root rootContext = new Root();
    final HttpFilterRoot root;
    long callsAfterDestroy;

    // thread-safe: FilterContext.executor() may post from any thread
    private final java.util.concurrent.ConcurrentLinkedQueue<Runnable> tasks =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final PriorityQueue<Timer> timers =
            new PriorityQueue<>(
                    Comparator.comparingLong((Timer t) -> t.due).thenComparing(t -> t.seq));
    private final Map<String, Function<HttpCallRequest, HttpCallResponse>> scripts =
            new HashMap<>();
    private final List<CallOut> calls = new ArrayList<>();
    private final MemorySharedData sharedData;
    private final int[] workers; // how many harnesses the listener has, shared by them
    private final Map<String, Queue> queues = new HashMap<>();
    private long elapsedNanos;
    private long timerSeq;
    private boolean draining;
    private boolean closed;

    private FilterHarness(
            HttpFilterFactory factory,
            Object config,
            int[] workers,
            MemoryMetrics metrics,
            MemorySharedData sharedData) {
        this.factory = factory;
        this.config = config;
        this.workers = workers;
        this.workerId = workers[0]++;
        this.metrics = metrics;
        this.sharedData = sharedData;
        this.logger = System.getLogger("weir.filter." + factory.name());
        this.root =
                Objects.requireNonNull(factory.createRoot(rootContext), "createRoot returned null");
        try {
            root.onConfigure(config);
        } catch (FilterConfigException e) {
            throw new IllegalArgumentException("config rejected: " + e.getMessage(), e);
        }
        drain();
    }

    /**
     * Configures the filter as Weir would. {@code rawConfig} is what YAML gives ({@code Map},
     * {@code List}, {@code String}, numbers, booleans); null stands for no {@code config:} block,
     * which Weir passes as an empty map.
     *
     * @throws IllegalArgumentException listing every config error, or with the message of the
     *     {@link FilterConfigException} thrown by {@code onConfigure}
     */
    public static FilterHarness of(HttpFilterFactory factory, Object rawConfig) {
        return new FilterHarness(
                factory,
                parseConfig(factory, rawConfig),
                new int[1],
                new MemoryMetrics(),
                new MemorySharedData());
    }

    /**
     * Another worker of the same listener. Weir parses a listener's config once and configures one
     * root per worker with that same object; so this creates a root with the factory for the next
     * worker id ({@link io.weir.spi.FilterContext#workerId()}, the property {@code worker_id}) and
     * configures it with the same config object as this harness. State the filter keeps in that
     * object (a bucket, a count) is thus shared by the workers, and so are the metrics ({@link
     * #counter} gives the workers' total) and the {@link #sharedData}, which are the process's in
     * Weir. Everything else is the new harness's own: its clock (it starts at {@link
     * #START_MILLIS}; advance the workers alike when the filter keeps time in shared state),
     * timers, call-out scripts, queues, properties, streams and pending work. Close each harness.
     */
    public FilterHarness anotherWorker() {
        checkOpen();
        return new FilterHarness(factory, config, workers, metrics, sharedData);
    }

    /**
     * What {@link HttpFilterFactory#parseConfig} returns for {@code rawConfig}.
     *
     * @throws IllegalArgumentException with one line per error when it reported any
     */
    public static Object parseConfig(HttpFilterFactory factory, Object rawConfig) {
        List<String> errors = new ArrayList<>();
        Object parsed = parse(factory, rawConfig, errors);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid config:\n  " + String.join("\n  ", errors));
        }
        return parsed;
    }

    /** The errors {@link HttpFilterFactory#parseConfig} reports for {@code rawConfig}, in order. */
    public static List<String> configErrors(HttpFilterFactory factory, Object rawConfig) {
        List<String> errors = new ArrayList<>();
        parse(factory, rawConfig, errors);
        return List.copyOf(errors);
    }

    private static Object parse(HttpFilterFactory factory, Object raw, List<String> errors) {
        return factory.parseConfig(
                ConfigNode.of(raw == null ? Map.of() : raw, CONFIG_PATH, errors::add));
    }

    /** Starts a request: {@code :method}, {@code :path} (with query), and defaults below. */
    public Request request(String method, String path) {
        checkOpen();
        return new Request(this, method, path);
    }

    /**
     * Scripts the answers of {@code cluster}: each call-out to it is answered with what {@code
     * answer} returns, asynchronously (see the class comment); a null answer leaves the call-out
     * pending. Replaces an earlier script for the cluster.
     */
    public FilterHarness onHttpCall(
            String cluster, Function<HttpCallRequest, HttpCallResponse> answer) {
        scripts.put(cluster, answer);
        return this;
    }

    /** Every call-out made so far, in order. */
    public List<CallOut> calls() {
        return List.copyOf(calls);
    }

    /** The call-outs neither answered, timed out nor cancelled. */
    public List<CallOut> pendingCalls() {
        return calls.stream().filter(CallOut::pending).toList();
    }

    /**
     * Sets a property for every later stream (a {@link Request#property} wins over it); it also
     * wins over what the kit derives from the request, such as {@code request.path}.
     */
    public FilterHarness property(String name, String value) {
        properties.put(name, value);
        return this;
    }

    /** Moves the clock forward by {@code d}, running what falls due, then runs pending work. */
    public FilterHarness advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("time does not go back (" + d + ")");
        }
        long target = elapsedNanos + d.toNanos();
        drain();
        Timer t;
        while ((t = timers.peek()) != null && t.due <= target) {
            timers.poll();
            elapsedNanos = Math.max(elapsedNanos, t.due);
            t.task.run();
            drain();
        }
        elapsedNanos = target;
        return this;
    }

    /** Runs queued asynchronous work until none is left (see the class comment). */
    public FilterHarness runPending() {
        drain();
        return this;
    }

    /**
     * Runs queued work, waiting up to {@code timeout} for {@code done} to become true: for a filter
     * whose {@link io.weir.spi.FilterContext#executor()} receives results from another thread (a
     * real client library). Returns whether {@code done} became true.
     */
    public boolean runPendingUntil(java.util.function.BooleanSupplier done, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            drain();
            if (done.getAsBoolean()) {
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            synchronized (tasks) {
                if (tasks.isEmpty()) { // woken by post(), or at the deadline
                    TimeUnit.NANOSECONDS.timedWait(tasks, left);
                }
            }
        }
    }

    /** The manual wall clock, in milliseconds since the epoch. */
    public long currentTimeMillis() {
        return START_MILLIS + elapsedNanos / 1_000_000;
    }

    /** The manual monotonic clock, in nanoseconds. */
    public long nanoTime() {
        return START_NANOS + elapsedNanos;
    }

    /** The filter's shared data, the same store the filter sees; seed or inspect it. */
    public SharedData sharedData() {
        return sharedData;
    }

    /**
     * The shared queue {@code name} as {@link io.weir.spi.FilterContext#resolveQueue} gives it, or
     * null when the filter has not registered it. Messages enqueued by the test are delivered when
     * the test next drives a step, such as {@link #runPending}.
     */
    public SharedQueue queue(String name) {
        return queues.get(name);
    }

    /**
     * The value of a counter series; 0 when it was defined but this series never counted.
     *
     * @throws IllegalArgumentException when no counter {@code name} was defined, or the number of
     *     label values is wrong
     */
    public long counter(String name, String... labelValues) {
        return metrics.value(name, "counter", labelValues);
    }

    /** The value of a gauge series, as for {@link #counter}. */
    public long gauge(String name, String... labelValues) {
        return metrics.value(name, "gauge", labelValues);
    }

    /** The observations of a histogram series in order, as for {@link #counter}. */
    public List<Double> observations(String name, String... labelValues) {
        return metrics.observations(name, labelValues);
    }

    /** The root context created by the factory, for calling it directly. */
    public HttpFilterRoot root() {
        return root;
    }

    /** This harness's worker id: 0, or more for {@link #anotherWorker()}. */
    public int workerId() {
        return workerId;
    }

    /** The parsed listener-level config handed to {@code onConfigure}. */
    public Object config() {
        return config;
    }

    /** How many context calls came after {@code onDestroy}/{@code onDone} (Weir ignores them). */
    public long callsAfterDestroy() {
        return callsAfterDestroy;
    }

    /** Resets the streams still open, then retires the root ({@code onDone}). Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        for (StreamRun r : List.copyOf(open)) {
            r.abort();
        }
        drain();
        closed = true;
        root.onDone();
        rootContext.end();
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the harness is closed");
        }
    }

    void post(Runnable task) {
        tasks.add(task);
        synchronized (tasks) {
            tasks.notifyAll(); // wakes runPendingUntil
        }
    }

    void drain() {
        if (draining) {
            return;
        }
        draining = true;
        try {
            Runnable r;
            while ((r = tasks.poll()) != null) {
                r.run();
            }
        } finally {
            draining = false;
        }
    }

    Timer schedule(Duration delay, Runnable task) {
        Timer t = new Timer(elapsedNanos + Math.max(0, delay.toNanos()), timerSeq++, task);
        timers.add(t);
        return t;
    }

    CallOut httpCall(
            BaseContext owner,
            String cluster,
            HttpCallRequest request,
            Duration timeout,
            Consumer<HttpCallResponse> callback) {
        CallOut call = new CallOut(this, cluster, request, timeout, callback);
        calls.add(call);
        owner.own(call);
        call.timer = schedule(timeout, () -> call.deliver(HttpCallResponse.failed("timeout")));
        Function<HttpCallRequest, HttpCallResponse> script = scripts.get(cluster);
        if (script != null) {
            post(
                    () -> {
                        if (call.pending()) {
                            HttpCallResponse answer = script.apply(request);
                            if (answer != null) {
                                call.deliver(answer);
                            }
                        }
                    });
        }
        return call;
    }

    SharedQueue registerQueue(BaseContext owner, String name, Runnable onMessage) {
        Queue q = queues.computeIfAbsent(name, Queue::new);
        q.owner = owner;
        q.onMessage = onMessage;
        return q;
    }

    final class Timer implements Cancellable {
        final long due;
        final long seq;
        final Runnable task;

        Timer(long due, long seq, Runnable task) {
            this.due = due;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public void cancel() {
            timers.remove(this);
        }
    }

    /** The fake {@link RootContext}. */
    final class Root extends BaseContext implements RootContext {
        private Cancellable tick;

        Root() {
            super(FilterHarness.this);
        }

        @Override
        public void setTickPeriod(Duration period) {
            if (dead()) {
                return;
            }
            if (period.isNegative()) {
                throw new IllegalArgumentException("negative tick period " + period);
            }
            if (tick != null) {
                tick.cancel();
                tick = null;
            }
            if (!period.isZero()) {
                scheduleTick(period);
            }
        }

        private void scheduleTick(Duration period) {
            tick =
                    schedule(
                            period,
                            () -> {
                                scheduleTick(period);
                                root.onTick();
                            });
        }

        @Override
        public Object config() {
            dead();
            return config;
        }
    }

    /** A proxy-wasm style shared-data store: versions start at 1 and grow on each write. */
    private static final class MemorySharedData implements SharedData {
        private final Map<String, Entry> map = new ConcurrentHashMap<>();

        @Override
        public Entry get(String key) {
            Entry e = map.get(key);
            return e == null ? null : new Entry(e.value().clone(), e.version());
        }

        @Override
        public boolean set(String key, byte[] value, long expectedVersion) {
            byte[] copy = value.clone();
            boolean[] written = {true};
            map.compute(
                    key,
                    (k, old) -> {
                        if (expectedVersion != 0
                                && (old == null || old.version() != expectedVersion)) {
                            written[0] = false;
                            return old;
                        }
                        return new Entry(copy, old == null ? 1 : old.version() + 1);
                    });
            return written[0];
        }
    }

    /** A shared queue; its registrant is notified once per batch, as a queued task. */
    private final class Queue implements SharedQueue {
        private final String name;
        private final ArrayDeque<byte[]> messages = new ArrayDeque<>();
        private BaseContext owner;
        private Runnable onMessage;
        private boolean notifying;

        Queue(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public synchronized boolean enqueue(byte[] message) {
            if (messages.size() >= 10_000) {
                return false;
            }
            messages.add(message.clone());
            if (onMessage != null && !notifying) {
                notifying = true;
                BaseContext to = owner;
                Runnable callback = onMessage;
                post(
                        () -> {
                            synchronized (this) {
                                notifying = false;
                            }
                            if (!to.ended) {
                                callback.run();
                            }
                        });
            }
            return true;
        }

        @Override
        public synchronized byte[] dequeue() {
            byte[] m = messages.poll();
            return m == null ? null : m.clone();
        }
    }
}
