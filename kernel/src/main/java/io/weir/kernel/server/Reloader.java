package io.weir.kernel.server;

import io.weir.kernel.config.ConfigException;
import io.weir.kernel.config.ConfigLoader;
import io.weir.kernel.config.WeirConfig;
import io.weir.kernel.plugin.PluginFilterSource;
import io.weir.kernel.plugin.PluginInfo;
import io.weir.kernel.plugin.PluginSet;
import io.weir.kernel.stats.Counter;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads Weir's config file and plugins, starts the server, and reloads both on demand ({@code POST
 * /config/reload}, {@code POST /plugins/reload}) or when the config file or a plugin directory
 * changes (watched, debounced). A reload loads a new plugin set and config and hands them to {@link
 * WeirServer#reload}; anything invalid is rejected whole, logged, counted and shown by {@code GET
 * /plugins}, and the old config keeps serving. The old plugin class loaders are closed once the
 * last stream using them has ended.
 *
 * <p>Threading: reloads run one at a time on the {@code weir-reload} thread; the watcher has its
 * own thread. Public methods are thread-safe.
 */
public final class Reloader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Reloader.class);

    /** Quiet time after the last file event before a watched change is reloaded. */
    static final Duration DEBOUNCE = Duration.ofMillis(500);

    private final Path configFile;
    private final ClassLoader builtins;
    private final ScheduledExecutorService exec;
    private WeirServer server;
    private volatile PluginSet plugins;
    private volatile WeirConfig config;
    private volatile String lastResult = "none";
    private volatile String lastError;
    private volatile Instant lastTime;
    private Counter reloadOk;
    private Counter reloadRejected;
    private WatchService watcher;
    private Thread watchThread;
    private ScheduledFuture<?> pending;
    private final Set<Path> watchedDirs = new HashSet<>();

    /**
     * @param builtins where the built-in filters are found with {@code ServiceLoader}
     */
    public Reloader(Path configFile, ClassLoader builtins) {
        this.configFile = configFile.toAbsolutePath().normalize();
        this.builtins = builtins;
        this.exec =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "weir-reload");
                            t.setDaemon(true);
                            return t;
                        });
    }

    /**
     * Loads the config and its plugins for the first start.
     *
     * @throws ConfigException every error of the file (plugin errors under {@code plugin_dirs})
     */
    public WeirConfig load() throws ConfigException, IOException {
        PluginFilterSource src = new PluginFilterSource(builtins);
        try {
            config = ConfigLoader.load(configFile, src);
        } catch (ConfigException | IOException | RuntimeException e) {
            src.discard();
            throw e;
        }
        plugins = src.loaded();
        return config;
    }

    /** Starts a server on the loaded config (call {@link #load} first). */
    public WeirServer start(ServerOptions options) throws StartupException {
        server = new WeirServer(config, PluginFilterSource.registry(plugins), options);
        server.setReloader(this);
        server.start();
        reloadOk =
                server.stats()
                        .counter(
                                "weir_config_reloads_total",
                                "Config and plugin reloads",
                                "result",
                                "ok");
        reloadRejected =
                server.stats()
                        .counter(
                                "weir_config_reloads_total",
                                "Config and plugin reloads",
                                "result",
                                "rejected");
        return server;
    }

    /** Reloads the config file and every plugin; completes with a line saying what happened. */
    public CompletableFuture<String> reload(String trigger) {
        CompletableFuture<String> f = new CompletableFuture<>();
        exec.execute(
                () -> {
                    try {
                        f.complete(doReload(trigger));
                    } catch (ReloadException e) {
                        f.completeExceptionally(e);
                    } catch (RuntimeException | Error e) {
                        f.completeExceptionally(
                                new ReloadException(List.of("reload failed: " + e)));
                    }
                });
        return f;
    }

    private String doReload(String trigger) throws ReloadException {
        PluginFilterSource src = new PluginFilterSource(builtins);
        WeirConfig next;
        try {
            next = ConfigLoader.load(configFile, src);
        } catch (ConfigException e) {
            src.discard();
            throw rejected(trigger, e.errors());
        } catch (IOException e) {
            src.discard();
            throw rejected(trigger, List.of("cannot read " + configFile + ": " + e));
        }
        PluginSet set = src.loaded();
        PluginSet old = plugins;
        try {
            server.reload(next, PluginFilterSource.registry(set), () -> closeLater(old));
        } catch (ReloadException e) {
            set.close();
            throw rejected(trigger, e.errors());
        }
        plugins = set;
        config = next;
        lastResult = "ok";
        lastError = null;
        lastTime = Instant.now();
        reloadOk.inc(server.stats().otherSlot());
        watchPluginDirs();
        String msg =
                "reloaded trigger="
                        + trigger
                        + " plugins="
                        + set.plugins().size()
                        + " filters="
                        + set.filterNames().size();
        log.info(msg);
        return msg;
    }

    /** Closes a retired plugin set off the worker that noticed its last stream end. */
    private void closeLater(PluginSet old) {
        if (old != null) {
            exec.execute(old::close);
        }
    }

    private ReloadException rejected(String trigger, List<String> errors) {
        lastResult = "rejected";
        lastError = String.join("\n", errors);
        lastTime = Instant.now();
        reloadRejected.inc(server.stats().otherSlot());
        log.warn(
                "reload rejected, the old config keeps serving trigger={} errors={}",
                trigger,
                errors.size());
        for (String e : errors) {
            log.warn("  {}", e);
        }
        return new ReloadException(errors);
    }

    /** {@code GET /plugins}: the loaded plugins, their filters and the last reload's outcome. */
    public String pluginsJson() {
        StringBuilder sb = new StringBuilder("{\n  \"plugins\": [");
        PluginSet set = plugins;
        List<PluginInfo> list = set == null ? List.of() : set.plugins();
        for (int i = 0; i < list.size(); i++) {
            PluginInfo p = list.get(i);
            sb.append(i == 0 ? "\n" : ",\n");
            sb.append("    {\"name\": ").append(q(p.name()));
            sb.append(", \"version\": ").append(q(p.version()));
            sb.append(", \"spi_version\": ").append(q(p.spiVersion()));
            sb.append(", \"source\": ").append(q(p.source()));
            sb.append(", \"state\": \"active\", \"filters\": [");
            for (int j = 0; j < p.filters().size(); j++) {
                sb.append(j == 0 ? "" : ", ").append(q(p.filters().get(j)));
            }
            sb.append("]}");
        }
        sb.append(list.isEmpty() ? "],\n" : "\n  ],\n");
        sb.append("  \"last_reload\": {\"result\": ").append(q(lastResult));
        sb.append(", \"time\": ").append(lastTime == null ? "null" : q(lastTime.toString()));
        sb.append(", \"error\": ").append(lastError == null ? "null" : q(lastError));
        sb.append("}\n}\n");
        return sb.toString();
    }

    private static String q(String s) {
        return io.weir.kernel.config.ConfigJson.quote(s);
    }

    // ---- watching --------------------------------------------------------------------------

    /** Watches the config file's directory and the plugin directories; changes reload. */
    public void watch() throws IOException {
        watcher = FileSystems.getDefault().newWatchService();
        register(configFile.getParent());
        exec.execute(this::watchPluginDirs);
        watchThread = new Thread(this::watchLoop, "weir-watch");
        watchThread.setDaemon(true);
        watchThread.start();
    }

    private void watchPluginDirs() {
        if (watcher == null) {
            return;
        }
        for (Path dir : config.pluginDirs()) {
            if (Files.isDirectory(dir)) {
                register(dir);
                try (var subs = Files.list(dir)) {
                    subs.filter(Files::isDirectory).forEach(this::register);
                } catch (IOException e) {
                    log.warn("cannot list plugin directory dir={} error={}", dir, e.getMessage());
                }
            }
        }
    }

    private synchronized void register(Path dir) {
        if (dir == null || !watchedDirs.add(dir)) {
            return;
        }
        try {
            dir.register(
                    watcher,
                    StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException | ClosedWatchServiceException e) {
            watchedDirs.remove(dir);
            log.warn("cannot watch dir={} error={}", dir, e.getMessage());
        }
    }

    private void watchLoop() {
        try {
            while (true) {
                WatchKey key = watcher.take();
                Path dir = (Path) key.watchable();
                boolean relevant = false;
                for (var ev : key.pollEvents()) {
                    Object ctx = ev.context();
                    Path changed = ctx instanceof Path p ? dir.resolve(p) : dir;
                    if (dir.equals(configFile.getParent())
                            && !changed.equals(configFile)
                            && !isPluginDir(changed)) {
                        continue; // another file next to the config
                    }
                    relevant = true;
                    if (Files.isDirectory(changed) && isPluginDir(dir)) {
                        register(changed); // a new plugin subdirectory
                    }
                }
                key.reset();
                if (relevant) {
                    schedule();
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    private boolean isPluginDir(Path p) {
        WeirConfig c = config;
        return c != null && c.pluginDirs().contains(p);
    }

    private synchronized void schedule() {
        if (pending != null) {
            pending.cancel(false);
        }
        pending =
                exec.schedule(
                        () -> {
                            try {
                                doReload("file_change");
                            } catch (ReloadException e) {
                                // logged and counted by rejected()
                            } catch (RuntimeException e) {
                                log.warn(
                                        "reload after a file change failed error={}", e.toString());
                            }
                        },
                        DEBOUNCE.toMillis(),
                        TimeUnit.MILLISECONDS);
    }

    /** The plugins in use now (for tests). */
    public PluginSet plugins() {
        return plugins;
    }

    @Override
    public void close() {
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException e) {
                // nothing left to do
            }
        }
        exec.shutdownNow();
        PluginSet p = plugins;
        if (p != null) {
            p.close();
        }
    }
}
