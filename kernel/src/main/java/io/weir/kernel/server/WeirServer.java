package io.weir.kernel.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.util.concurrent.EventExecutor;
import io.weir.kernel.accesslog.AccessLog;
import io.weir.kernel.accesslog.AccessLogs;
import io.weir.kernel.admin.AdminServer;
import io.weir.kernel.config.ConfigJson;
import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.config.ListenerConfig;
import io.weir.kernel.config.WeirConfig;
import io.weir.kernel.dispatch.Dispatcher;
import io.weir.kernel.dispatch.Transport;
import io.weir.kernel.filter.FilterServices;
import io.weir.kernel.http.ConnectionDrain;
import io.weir.kernel.http.HttpListener;
import io.weir.kernel.http.ListenerFilters;
import io.weir.kernel.http.ListenerHandle;
import io.weir.kernel.http.ListenerRuntime;
import io.weir.kernel.http.ListenerStats;
import io.weir.kernel.http.Worker;
import io.weir.kernel.stats.IstioMetrics;
import io.weir.kernel.stats.JvmMetrics;
import io.weir.kernel.stats.Stats;
import io.weir.kernel.upstream.Cluster;
import io.weir.kernel.upstream.ClusterManager;
import io.weir.kernel.upstream.ClusterWorker;
import io.weir.spi.ConfigNode;
import io.weir.spi.tracing.Tracer;
import io.weir.spi.tracing.TracerProvider;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Weir: N workers (each a {@link Dispatcher} over one event loop), the listeners (one
 * socket per worker with {@code SO_REUSEPORT} under epoll; one shared acceptor under NIO), the
 * cluster manager, the admin listener and the graceful drain. A main loop, apart from the workers,
 * runs DNS, the admin endpoints and the drain.
 */
public final class WeirServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WeirServer.class);

    /** How long a graceful shutdown waits for in-flight requests before closing them. */
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

    /** The config this server started with; replaced by a reload (nothing may pin old plugins). */
    private volatile WeirConfig config;

    private final ServerOptions options;
    private final Transport transport;
    private final Stats stats;
    private final IstioMetrics istio;
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final Map<String, InetSocketAddress> listenerAddresses =
            java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    private final Map<String, BoundListener> bound =
            java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    private FilterRegistry initialFilters;
    private final FilterServices filterServices;
    private volatile WeirConfig current;
    private volatile Reloader reloader;
    private final List<Channel> serverChannels = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<AccessLog> accessLogs = new ArrayList<>();
    private final Map<EventLoop, Worker> workers = new IdentityHashMap<>();
    private final Map<EventLoop, ConnectionDrain> drains = new IdentityHashMap<>();
    private EventLoopGroup workerGroup;
    private EventLoopGroup mainGroup;
    private ClusterManager clusters;
    private AdminServer admin;
    private InetSocketAddress adminAddress;
    private volatile String state = "PRE_INITIALIZING";
    private TracerProvider tracerProvider; // null: the first one ServiceLoader finds
    private volatile Tracer tracer;
    private final long startMillis = System.currentTimeMillis();

    public WeirServer(WeirConfig config, ServerOptions options) {
        this(config, FilterRegistry.EMPTY, options);
    }

    /**
     * @param filters the registry {@code config} was loaded with: it makes the listeners' filters
     */
    public WeirServer(WeirConfig config, FilterRegistry filters, ServerOptions options) {
        this.config = config;
        this.current = config;
        this.initialFilters = filters;
        this.options = options;
        this.transport = Transport.select(options.forceNio());
        this.stats = new Stats(options.concurrency());
        this.filterServices = new FilterServices(stats);
        WeirConfig.IstioMetricsConfig im = config.observability().istioMetrics();
        this.istio =
                im == null ? null : new IstioMetrics(stats, istioIdentity(im, System.getenv()));
    }

    /**
     * This workload's Istio identity: the configured values, else the workload from {@code
     * POD_NAME} (see {@link IstioMetrics#workloadFromPodName}) and the namespace from {@code
     * POD_NAMESPACE}, else {@code unknown}.
     */
    static IstioMetrics.Identity istioIdentity(
            WeirConfig.IstioMetricsConfig c, Map<String, String> env) {
        String pod = env.get("POD_NAME");
        String podNamespace = env.get("POD_NAMESPACE");
        return new IstioMetrics.Identity(
                orUnknown(
                        c.workload() != null
                                ? c.workload()
                                : IstioMetrics.workloadFromPodName(pod)),
                orUnknown(c.namespace() != null ? c.namespace() : podNamespace),
                orUnknown(c.app()),
                orUnknown(c.version()),
                orUnknown(c.meshCluster()),
                orUnknown(c.service()));
    }

    private static String orUnknown(String v) {
        return v == null || v.isEmpty() ? IstioMetrics.UNKNOWN : v;
    }

    private IstioMetrics.Reporter istioReporter(ListenerConfig lc) {
        return istio == null
                ? null
                : istio.reporter(lc.trafficDirection() == ListenerConfig.TrafficDirection.OUTBOUND);
    }

    /**
     * Uses {@code provider} for {@code tracing:} instead of the first {@link TracerProvider} found
     * on the class path (tests). Call before {@link #start}.
     */
    public void useTracerProvider(TracerProvider provider) {
        this.tracerProvider = provider;
    }

    /** The tracer made from {@code tracing:}, or null without one. */
    public Tracer tracer() {
        return tracer;
    }

    /** A bound listener: its config, the handle connections read, its sockets. */
    private static final class BoundListener {
        final ListenerConfig config;
        final ListenerHandle handle;
        final ListenerStats stats;
        final List<Channel> channels = new ArrayList<>();
        final List<AccessLog> logs;

        BoundListener(
                ListenerConfig config,
                ListenerHandle handle,
                ListenerStats stats,
                List<AccessLog> logs) {
            this.config = config;
            this.handle = handle;
            this.stats = stats;
            this.logs = logs;
        }
    }

    /** Binds everything; on failure releases what was started and throws a user-facing error. */
    public void start() throws StartupException {
        try {
            doStart();
        } catch (StartupException e) {
            close();
            throw e;
        }
    }

    private void doStart() throws StartupException {
        int n = options.concurrency();
        workerGroup = transport.newGroup(n, "weir-worker");
        mainGroup = transport.newGroup(1, "weir-main");
        clusters = new ClusterManager(config.clusters(), stats, mainGroup.next(), transport);
        clusters.start();
        int id = 0;
        for (EventExecutor e : workerGroup) {
            EventLoop loop = (EventLoop) e;
            Dispatcher d = new Dispatcher(id++, loop);
            Map<String, ClusterWorker> cw = new HashMap<>();
            for (Cluster c : clusters.all()) {
                cw.put(c.name(), new ClusterWorker(c, d, transport, maxBufferLimit()));
            }
            workers.put(loop, new Worker(d, Map.copyOf(cw)));
            drains.put(loop, new ConnectionDrain());
        }
        onEveryWorker(w -> filterServices.bindWorkerThread(w.slot()));
        tracer = startTracer(config.tracing());
        List<String> samplingErrors = listenerSamplingErrors(config);
        if (!samplingErrors.isEmpty()) {
            throw new StartupException(String.join("\n", samplingErrors), null);
        }
        List<ListenerFilters> made = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < config.listeners().size(); i++) {
            made.add(makeFilters(i, config.listeners().get(i), initialFilters, errors));
        }
        if (!errors.isEmpty()) {
            retireAll(made, () -> {});
            throw new StartupException(String.join("\n", errors), null);
        }
        initialFilters = null; // the registry's factories belong to the first plugin set
        for (int i = 0; i < config.listeners().size(); i++) {
            ListenerConfig lc = config.listeners().get(i);
            BoundListener bl = newListener(lc, made.get(i));
            bindListener(lc, bl);
            bound.put(lc.name(), bl);
        }
        admin =
                new AdminServer(
                        new Admin(),
                        mainGroup,
                        transport.serverChannel(),
                        socketAddress(
                                config.admin().address().host(), config.admin().address().port()));
        try {
            adminAddress = admin.start();
        } catch (Exception e) {
            throw new StartupException(
                    "cannot bind admin listener to " + config.admin().address() + ": " + message(e),
                    e);
        }
        registerProcessStats();
        state = "LIVE";
        log.info(
                "weir started version={} transport={} workers={} listeners={}",
                BuildInfo.version(),
                transport.name(),
                n,
                listenerAddresses.size());
    }

    /** The tracer of {@code tracing:}, or null when the block is absent. */
    private Tracer startTracer(io.weir.kernel.config.TracingConfig tc) throws StartupException {
        if (tc == null) {
            return null;
        }
        TracerProvider p = tracerProvider;
        if (p == null) {
            p =
                    java.util.ServiceLoader.load(
                                    TracerProvider.class, WeirServer.class.getClassLoader())
                            .findFirst()
                            .orElse(null);
        }
        if (p == null) {
            throw new StartupException(
                    "tracing: no tracer implementation on the class path (the weir-tracing module"
                            + " provides one)",
                    null);
        }
        List<String> errors = new ArrayList<>();
        Tracer t;
        try {
            t =
                    p.create(
                            ConfigNode.of(tc.raw(), "tracing", errors::add, config.baseDir()),
                            new TracerMetrics(stats));
        } catch (RuntimeException e) {
            throw new StartupException("tracing: cannot start the tracer: " + message(e), e);
        }
        if (!errors.isEmpty() || t == null) {
            if (t != null) {
                t.close();
            }
            throw new StartupException(
                    errors.isEmpty()
                            ? "tracing: the tracer failed to start"
                            : String.join("\n", errors),
                    null);
        }
        log.info(
                "tracing started tracer={} sampling={} propagation={}",
                p.name(),
                tc.sampling(),
                String.join(",", tc.propagation()));
        return t;
    }

    /**
     * A listener's {@code http.tracing.sampling} needs a tracer that can sample per listener
     * (Weir's can; another {@code TracerProvider}'s may not): one error per listener that sets one
     * when it cannot.
     */
    private List<String> listenerSamplingErrors(WeirConfig c) {
        List<String> errors = new ArrayList<>();
        Tracer t = tracer;
        for (int i = 0; i < c.listeners().size(); i++) {
            ListenerConfig.TracingOverride o = c.listeners().get(i).http().tracing();
            if (t == null || o == null || o.sampling() == null) {
                continue;
            }
            try {
                t.withSampling(o.sampling());
            } catch (UnsupportedOperationException e) {
                errors.add(
                        "listeners["
                                + i
                                + "].http.tracing.sampling: the tracer cannot sample per listener ("
                                + message(e)
                                + ")");
            }
        }
        return errors;
    }

    private boolean filterSpans() {
        return config.tracing() != null && config.tracing().filterSpans();
    }

    private int maxBufferLimit() {
        int max = 0;
        for (ListenerConfig lc : config.listeners()) {
            max = Math.max(max, lc.perConnectionBufferLimitBytes());
        }
        return max == 0 ? 1 << 20 : max;
    }

    private static InetSocketAddress socketAddress(String host, int port) {
        return new InetSocketAddress(host, port);
    }

    private BoundListener newListener(ListenerConfig lc, ListenerFilters filters) {
        List<AccessLog> logs = new ArrayList<>();
        for (ListenerConfig.AccessLogConfig al : lc.http().accessLog()) {
            AccessLog l = AccessLogs.open(al.path(), al.format(), al.textFormat(), stats);
            logs.add(l);
            accessLogs.add(l);
        }
        ListenerStats ls = new ListenerStats(stats, lc.name());
        ListenerRuntime lr =
                new ListenerRuntime(
                        lc, ls, logs, filters, istioReporter(lc), tracer, filterSpans());
        return new BoundListener(lc, new ListenerHandle(lr), ls, logs);
    }

    /**
     * Makes listener {@code index}'s filters and starts their roots on every worker (each on its
     * own thread; this thread waits). Errors are added to {@code errors}.
     */
    private ListenerFilters makeFilters(
            int index, ListenerConfig lc, FilterRegistry registry, List<String> errors) {
        ListenerFilters lf;
        try {
            lf = new ListenerFilters(index, lc, registry, filterServices, options.concurrency());
        } catch (RuntimeException e) {
            errors.add("listeners[" + index + "]: " + e.getMessage());
            return null;
        }
        if (lf.isEmpty()) {
            return lf;
        }
        List<String> found = java.util.Collections.synchronizedList(new ArrayList<>());
        onEveryWorker(
                w -> {
                    String err = lf.initWorker(w);
                    if (err != null) {
                        found.add(err);
                    }
                });
        if (!found.isEmpty()) {
            errors.add(found.get(0));
        }
        return lf;
    }

    /** Runs {@code task} on every worker's thread and waits for all (not on a worker). */
    private void onEveryWorker(java.util.function.Consumer<Worker> task) {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (Worker w : workers.values()) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            w.dispatcher()
                    .post(
                            () -> {
                                try {
                                    task.accept(w);
                                    f.complete(null);
                                } catch (RuntimeException | Error e) {
                                    f.completeExceptionally(e);
                                }
                            });
            done.add(f);
        }
        try {
            CompletableFuture.allOf(done.toArray(new CompletableFuture[0]))
                    .get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the workers", e);
        } catch (java.util.concurrent.ExecutionException
                | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("workers did not answer: " + e, e);
        }
    }

    /**
     * Retires filter generations on every worker: roots end when their last stream has; {@code
     * whenAllDone} runs once all have (on some worker thread).
     */
    private void retireAll(List<ListenerFilters> gens, Runnable whenAllDone) {
        List<ListenerFilters> live = new ArrayList<>();
        for (ListenerFilters lf : gens) {
            if (lf != null && !lf.isEmpty()) {
                live.add(lf);
            }
        }
        java.util.concurrent.atomic.AtomicInteger left =
                new java.util.concurrent.atomic.AtomicInteger(live.size() * workers.size());
        if (left.get() == 0) {
            whenAllDone.run();
            return;
        }
        for (ListenerFilters lf : live) {
            for (Worker w : workers.values()) {
                w.dispatcher()
                        .post(
                                () ->
                                        lf.retire(
                                                w,
                                                () -> {
                                                    if (left.decrementAndGet() == 0) {
                                                        whenAllDone.run();
                                                    }
                                                }));
            }
        }
    }

    private void bindListener(ListenerConfig lc, BoundListener bl) throws StartupException {
        InetSocketAddress want = socketAddress(lc.address().host(), lc.address().port());
        int limit = lc.perConnectionBufferLimitBytes();
        HttpListener init = new HttpListener(bl.handle, workers, drains);
        try {
            if (transport.isEpoll()) {
                // one socket per worker, the kernel spreads connections (SO_REUSEPORT); first make
                // sure no other process holds the port, which SO_REUSEPORT would silently share
                if (want.getPort() != 0) {
                    try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
                        probe.setReuseAddress(true);
                        probe.bind(want);
                    }
                }
                InetSocketAddress addr = null;
                for (EventExecutor e : workerGroup) {
                    EventLoop loop = (EventLoop) e;
                    ServerBootstrap b = bootstrap(loop, loop, init, limit);
                    b.option(EpollChannelOption.SO_REUSEPORT, true);
                    Channel ch = b.bind(addr == null ? want : addr).sync().channel();
                    serverChannels.add(ch);
                    bl.channels.add(ch);
                    if (addr == null) {
                        addr = (InetSocketAddress) ch.localAddress();
                    }
                }
                listenerAddresses.put(lc.name(), addr);
            } else {
                ServerBootstrap b = bootstrap(mainGroup, workerGroup, init, limit);
                Channel ch = b.bind(want).sync().channel();
                serverChannels.add(ch);
                bl.channels.add(ch);
                listenerAddresses.put(lc.name(), (InetSocketAddress) ch.localAddress());
            }
        } catch (Exception e) {
            for (Channel ch : bl.channels) {
                ch.close();
                serverChannels.remove(ch);
            }
            throw new StartupException(
                    "cannot bind listener \""
                            + lc.name()
                            + "\" to "
                            + lc.address()
                            + ": "
                            + message(e),
                    e);
        }
    }

    private ServerBootstrap bootstrap(
            EventLoopGroup boss, EventLoopGroup child, HttpListener init, int limit) {
        return new ServerBootstrap()
                .group(boss, child)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(
                        ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(Math.max(1, limit / 2), Math.max(2, limit)))
                .childHandler(init);
    }

    private static String message(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getMessage() == null) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }

    private void registerProcessStats() {
        JvmMetrics.register(stats);
        Runtime rt = Runtime.getRuntime();
        stats.gaugeFn(
                "weir_server_uptime_seconds",
                "Seconds since start",
                () -> (System.currentTimeMillis() - startMillis) / 1000.0);
        stats.gaugeFn("weir_server_concurrency", "Worker threads", () -> options.concurrency());
        stats.gaugeFn(
                "weir_server_memory_heap_used_bytes",
                "JVM heap in use",
                () -> rt.totalMemory() - rt.freeMemory());
        stats.gaugeFn(
                "weir_server_live",
                "1 when serving, 0 while starting or draining",
                () -> "LIVE".equals(state) ? 1 : 0);
    }

    /**
     * Applies a new config (already loaded with {@code filters}) without a restart: listeners whose
     * address is unchanged get new routes and filter chains (requests in flight finish on the old
     * ones, new requests use the new ones), new listeners are bound, removed ones stop accepting
     * and their connections close after their current request. Either everything is applied or
     * nothing is: a filter that rejects its config, a listener that cannot bind, or a change that
     * needs a restart (admin address, clusters) throws and the old config keeps serving. {@code
     * whenOldRetired} runs once every old filter root has ended (then the old plugin class loaders
     * can be closed). Not on a worker thread; one reload at a time.
     */
    public synchronized void reload(
            WeirConfig next, FilterRegistry filters, Runnable whenOldRetired)
            throws ReloadException {
        if (!"LIVE".equals(state)) {
            throw new ReloadException(List.of("server is " + state + ", not LIVE"));
        }
        WeirConfig prev = current;
        List<String> errors = new ArrayList<>();
        if (!next.admin().equals(prev.admin())) {
            errors.add(
                    "admin.address: cannot change on reload (was "
                            + prev.admin().address()
                            + "); restart Weir");
        }
        if (!next.observability().equals(prev.observability())) {
            errors.add("observability: cannot change on reload; restart Weir");
        }
        if (!next.clusters().equals(prev.clusters())) {
            errors.add(
                    "clusters: cluster changes need a restart in this version; the routes and filters of this config were not applied");
        }
        if (!java.util.Objects.equals(
                next.tracing() == null ? null : next.tracing().raw(),
                prev.tracing() == null ? null : prev.tracing().raw())) {
            errors.add("tracing: cannot change on reload; restart Weir");
        }
        errors.addAll(listenerSamplingErrors(next));
        if (!errors.isEmpty()) {
            throw new ReloadException(errors);
        }
        List<ListenerFilters> made = new ArrayList<>();
        for (int i = 0; i < next.listeners().size(); i++) {
            made.add(makeFilters(i, next.listeners().get(i), filters, errors));
        }
        if (!errors.isEmpty()) {
            retireAll(made, () -> {});
            throw new ReloadException(errors);
        }
        // bind new listeners (and those whose address changed) before touching anything
        Map<String, BoundListener> fresh = new LinkedHashMap<>();
        for (int i = 0; i < next.listeners().size(); i++) {
            ListenerConfig lc = next.listeners().get(i);
            BoundListener old = bound.get(lc.name());
            if (old == null || !old.config.address().equals(lc.address())) {
                BoundListener bl = newListener(lc, made.get(i));
                try {
                    bindListener(lc, bl);
                } catch (StartupException e) {
                    for (BoundListener f : fresh.values()) {
                        closeChannels(f);
                    }
                    retireAll(made, () -> {});
                    throw new ReloadException(List.of(e.getMessage()));
                }
                fresh.put(lc.name(), bl);
            }
        }
        List<ListenerFilters> retired = new ArrayList<>();
        java.util.Set<String> keep = new java.util.HashSet<>();
        for (int i = 0; i < next.listeners().size(); i++) {
            ListenerConfig lc = next.listeners().get(i);
            keep.add(lc.name());
            BoundListener old = bound.get(lc.name());
            if (fresh.containsKey(lc.name())) {
                if (old != null) {
                    retired.add(removeListener(old));
                }
                bound.put(lc.name(), fresh.get(lc.name()));
                continue;
            }
            ListenerRuntime lr =
                    new ListenerRuntime(
                            lc,
                            old.stats,
                            accessLogsFor(old, lc),
                            made.get(i),
                            istioReporter(lc),
                            tracer,
                            filterSpans());
            retired.add(old.handle.swap(lr).filters);
        }
        for (String name : new ArrayList<>(bound.keySet())) {
            if (!keep.contains(name)) {
                retired.add(removeListener(bound.remove(name)));
            }
        }
        current = next;
        config = next;
        log.info(
                "config reloaded listeners={} filters={}",
                next.listeners().size(),
                next.listeners().stream().mapToInt(l -> l.http().filters().size()).sum());
        retireAll(retired, whenOldRetired);
    }

    /** The access logs of a listener's new runtime: the same files stay open. */
    private List<AccessLog> accessLogsFor(BoundListener old, ListenerConfig lc) {
        if (old.config.http().accessLog().equals(lc.http().accessLog())) {
            return old.logs;
        }
        List<AccessLog> logs = new ArrayList<>();
        for (ListenerConfig.AccessLogConfig al : lc.http().accessLog()) {
            AccessLog l = AccessLogs.open(al.path(), al.format(), al.textFormat(), stats);
            logs.add(l);
            accessLogs.add(l);
        }
        return logs;
    }

    /** Stops accepting on a listener; its connections close after their current request. */
    private ListenerFilters removeListener(BoundListener bl) {
        closeChannels(bl);
        bl.handle.drain();
        listenerAddresses.remove(bl.config.name());
        return bl.handle.current().filters;
    }

    /** Closes a listener's sockets and waits for them (reload thread, never an event loop). */
    private void closeChannels(BoundListener bl) {
        for (Channel ch : bl.channels) {
            ch.close().syncUninterruptibly();
            serverChannels.remove(ch);
        }
    }

    /** Connects the admin's reload endpoints and {@code GET /plugins} to {@code r}. */
    public void setReloader(Reloader r) {
        this.reloader = r;
    }

    /** The config in effect. */
    public WeirConfig config() {
        return current;
    }

    /** The shared services of filters (shared data, queues, metrics). */
    public FilterServices filterServices() {
        return filterServices;
    }

    public Map<String, InetSocketAddress> listenerAddresses() {
        synchronized (listenerAddresses) {
            return Map.copyOf(listenerAddresses);
        }
    }

    public InetSocketAddress adminAddress() {
        return adminAddress;
    }

    public String transport() {
        return transport.name();
    }

    public Stats stats() {
        return stats;
    }

    /** Completes when the server has stopped (after a graceful drain or {@link #close()}). */
    public CompletableFuture<Void> terminated() {
        return terminated;
    }

    /**
     * Graceful shutdown: stop accepting, let in-flight requests finish (responses say {@code
     * connection: close}), close idle connections, then stop; after {@code timeout} the rest is
     * closed. Returns at once; {@link #terminated()} completes at the end.
     */
    public void shutdownGracefully(Duration timeout) {
        if (!"DRAINING".equals(state) && mainGroup != null) {
            state = "DRAINING";
            log.info("draining: stopped accepting, waiting for in-flight requests");
            closeListeners();
            drains.forEach((loop, d) -> workers.get(loop).dispatcher().post(d::startDrain));
            long deadline = System.nanoTime() + timeout.toNanos();
            mainGroup.next().schedule(() -> awaitDrained(deadline), 20, TimeUnit.MILLISECONDS);
        }
    }

    private void awaitDrained(long deadline) {
        int open = 0;
        for (ConnectionDrain d : drains.values()) {
            open += d.open();
        }
        if (open == 0 || System.nanoTime() >= deadline) {
            if (open > 0) {
                log.warn("drain timed out, closing connections open={}", open);
                drains.forEach((loop, d) -> workers.get(loop).dispatcher().post(d::closeAll));
            }
            // let the admin answer the request that asked for this, then stop
            new Thread(this::close, "weir-shutdown").start();
            return;
        }
        mainGroup.next().schedule(() -> awaitDrained(deadline), 20, TimeUnit.MILLISECONDS);
    }

    private void closeListeners() {
        // called from the admin (main loop) and shutdown threads: the list is copy-on-write
        for (Channel ch : serverChannels) {
            ch.close();
            serverChannels.remove(ch);
        }
    }

    /** Stops everything now (in-flight requests are cut). */
    @Override
    public synchronized void close() {
        if (terminated.isDone()) {
            return;
        }
        state = "DRAINING";
        closeListeners();
        if (admin != null) {
            admin.close();
        }
        if (clusters != null) {
            clusters.close();
        }
        endFilterRoots();
        if (workerGroup != null) {
            workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (mainGroup != null) {
            mainGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        for (AccessLog l : accessLogs) {
            l.close();
        }
        Tracer t = tracer;
        if (t != null) {
            tracer = null;
            try {
                t.close(); // exports what is queued, within the batch's export timeout
            } catch (RuntimeException e) {
                log.warn("tracer close failed error={}", message(e));
            }
        }
        terminated.complete(null);
    }

    /** Answers for a server started without a {@link Reloader}. */
    private static final class AdminContextDefaults {
        static CompletableFuture<String> noReloader() {
            return CompletableFuture.failedFuture(
                    new IllegalStateException(
                            "this server was not started from a config file: nothing to reload"));
        }
    }

    /** Every filter root gets {@code onDone} on its worker before the workers stop. */
    private void endFilterRoots() {
        List<BoundListener> ls;
        synchronized (bound) {
            ls = new ArrayList<>(bound.values());
        }
        if (ls.isEmpty() || workers.isEmpty()) {
            return;
        }
        try {
            onEveryWorker(
                    w -> {
                        for (BoundListener bl : ls) {
                            ListenerFilters lf = bl.handle.current().filters;
                            if (lf != null) {
                                lf.shutdown(w);
                            }
                        }
                    });
        } catch (IllegalStateException e) {
            log.warn("filter roots did not end cleanly: {}", e.getMessage());
        }
    }

    /** The admin endpoints' view of this server (called on the main loop). */
    private final class Admin implements io.weir.kernel.admin.AdminContext {
        @Override
        public boolean live() {
            return "LIVE".equals(state) && clusters.initialized();
        }

        @Override
        public String state() {
            return "LIVE".equals(state) && !clusters.initialized() ? "PRE_INITIALIZING" : state;
        }

        @Override
        public Stats stats() {
            return stats;
        }

        @Override
        public String configDumpJson() {
            return ConfigJson.toJson(current);
        }

        @Override
        public String clustersText() {
            StringBuilder sb = new StringBuilder();
            for (Cluster c : clusters.all()) {
                sb.append(c.name())
                        .append("::lb_policy::")
                        .append(c.config.lbPolicy().name().toLowerCase(java.util.Locale.ROOT))
                        .append('\n');
                sb.append(c.name())
                        .append("::connect_timeout::")
                        .append(c.config.connectTimeout().toMillis())
                        .append("ms\n");
                for (InetSocketAddress h : c.hosts()) {
                    String host =
                            h.getAddress() != null
                                    ? h.getAddress().getHostAddress()
                                    : h.getHostString();
                    sb.append(c.name())
                            .append("::")
                            .append(host)
                            .append(':')
                            .append(h.getPort())
                            .append("::health_flags::healthy\n");
                }
                sb.append(c.name())
                        .append("::upstream_rq_total::")
                        .append(c.stats.rqTotal.value())
                        .append('\n');
                sb.append(c.name())
                        .append("::upstream_cx_active::")
                        .append(c.stats.cxActive.value())
                        .append('\n');
            }
            return sb.toString();
        }

        @Override
        public String listenersText() {
            StringBuilder sb = new StringBuilder();
            listenerAddresses()
                    .forEach(
                            (name, a) ->
                                    sb.append(name)
                                            .append("::")
                                            .append(a.getAddress().getHostAddress())
                                            .append(':')
                                            .append(a.getPort())
                                            .append('\n'));
            return sb.toString();
        }

        @Override
        public String serverInfoJson() {
            long uptime = (System.currentTimeMillis() - startMillis) / 1000;
            return "{\n  \"version\": \""
                    + BuildInfo.version()
                    + "\",\n  \"state\": \""
                    + state()
                    + "\",\n  \"uptime_seconds\": "
                    + uptime
                    + ",\n  \"concurrency\": "
                    + options.concurrency()
                    + ",\n  \"transport\": \""
                    + transport.name()
                    + "\",\n  \"java\": \""
                    + System.getProperty("java.version")
                    + "\"\n}\n";
        }

        @Override
        public CompletableFuture<String> reloadConfig() {
            Reloader r = reloader;
            return r == null ? AdminContextDefaults.noReloader() : r.reload("admin_config_reload");
        }

        @Override
        public CompletableFuture<String> reloadPlugins() {
            Reloader r = reloader;
            return r == null ? AdminContextDefaults.noReloader() : r.reload("admin_plugins_reload");
        }

        @Override
        public String pluginsJson() {
            Reloader r = reloader;
            return r == null
                    ? io.weir.kernel.admin.AdminContext.super.pluginsJson()
                    : r.pluginsJson();
        }

        @Override
        public void quitQuitQuit() {
            shutdownGracefully(DRAIN_TIMEOUT);
        }

        @Override
        public void drainListeners(boolean graceful) {
            if (graceful) {
                state = "DRAINING";
                drains.forEach((loop, d) -> workers.get(loop).dispatcher().post(d::startDrain));
            }
            closeListeners();
        }

        @Override
        public void reopenLogs() {
            for (AccessLog l : accessLogs) {
                l.reopen();
            }
        }

        @Override
        public void setLogLevel(String level) {
            throw new IllegalArgumentException(
                    "changing the log level at run time is not supported by the bundled logger;"
                            + " start with -Dorg.slf4j.simpleLogger.defaultLogLevel="
                            + level);
        }
    }
}
