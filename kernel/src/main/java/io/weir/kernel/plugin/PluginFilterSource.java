package io.weir.kernel.plugin;

import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.config.FilterSource;
import io.weir.spi.HttpFilterFactory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link FilterSource} that loads the built-ins and the config's {@code plugin_dirs} with {@link
 * PluginLoader} and keeps the {@link PluginSet} it made: the caller owns it ({@link #loaded()}) and
 * closes it when the config is dropped or rejected. One use per config load; not thread-safe.
 */
public final class PluginFilterSource implements FilterSource {
    private final ClassLoader builtins;
    private PluginSet loaded;

    /**
     * @param builtins where built-in plugins are found; null for none
     */
    public PluginFilterSource(ClassLoader builtins) {
        this.builtins = builtins;
    }

    @Override
    public FilterRegistry resolve(List<Path> pluginDirs) throws PluginsUnavailableException {
        try {
            loaded = PluginLoader.load(builtins, pluginDirs);
        } catch (PluginLoadException e) {
            throw new PluginsUnavailableException(e.errors());
        }
        return registry(loaded);
    }

    /** The set the last {@link #resolve} loaded, or null. */
    public PluginSet loaded() {
        return loaded;
    }

    /** Closes what was loaded (the config was rejected). */
    public void discard() {
        if (loaded != null) {
            loaded.close();
            loaded = null;
        }
    }

    /** The registry of a set's filters. */
    public static FilterRegistry registry(PluginSet set) {
        Map<String, HttpFilterFactory> m = new HashMap<>();
        for (String name : set.filterNames()) {
            m.put(name, set.factory(name));
        }
        return FilterRegistry.of(m);
    }
}
