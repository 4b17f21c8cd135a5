package io.weir.kernel.plugin;

import io.weir.spi.HttpFilterFactory;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The immutable result of one {@link PluginLoader#load}: the filter factories by name and the
 * plugins they came from. A config is bound against one set; a reload that changes plugins makes a
 * new set and closes the old one once nothing uses it.
 *
 * <p>Threading: immutable and thread-safe; workers may read it concurrently. {@link #close()} may
 * be called from any thread, but only once nothing will call this set's factories again (no config
 * and no stream uses them): closing releases the plugins' jar files, so classes they have not
 * loaded yet can no longer be loaded.
 */
public final class PluginSet implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PluginSet.class);

    private final Map<String, LoadedFilter> filters;
    private final List<PluginInfo> plugins;
    private final List<PluginClassLoader> loaders;
    private final AtomicBoolean closed = new AtomicBoolean();

    PluginSet(
            Map<String, LoadedFilter> filters,
            List<PluginInfo> plugins,
            List<PluginClassLoader> loaders) {
        this.filters = Collections.unmodifiableMap(new LinkedHashMap<>(filters));
        this.plugins = List.copyOf(plugins);
        this.loaders = List.copyOf(loaders);
    }

    /** Filter name to factory and origin: built-ins first, then plugins in directory order. */
    public Map<String, LoadedFilter> filters() {
        return filters;
    }

    /** The names of all filters, in the order of {@link #filters()}. */
    public Set<String> filterNames() {
        return filters.keySet();
    }

    /** The loaded plugins, built-ins first, for {@code GET /plugins}. */
    public List<PluginInfo> plugins() {
        return plugins;
    }

    /** The factory of the filter named {@code name}, or null when no plugin offers it. */
    public HttpFilterFactory factory(String name) {
        LoadedFilter f = filters.get(name);
        return f == null ? null : f.factory();
    }

    /**
     * Closes the class loaders of this set's plugin directories (built-ins have none), so that they
     * can be garbage collected once nothing refers to their classes. Idempotent.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            closeAll(loaders);
        }
    }

    static void closeAll(List<PluginClassLoader> loaders) {
        for (PluginClassLoader loader : loaders) {
            try {
                loader.close();
            } catch (IOException e) {
                log.warn(
                        "plugin class loader close failed loader={} error={}",
                        loader.getName(),
                        e.toString());
            }
        }
    }
}
