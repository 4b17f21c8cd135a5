package io.weir.kernel.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Where a config load gets its filters from: given the config's {@code plugin_dirs} (absolute), the
 * registry of every filter the built-ins and those plugins offer. Called once per load, on the
 * loading thread, after {@code plugin_dirs} is read and before any filter is bound.
 */
@FunctionalInterface
public interface FilterSource {
    /**
     * @throws PluginsUnavailableException listing why the plugins could not be loaded; the config
     *     load then fails with these errors under {@code plugin_dirs}
     */
    FilterRegistry resolve(List<Path> pluginDirs) throws PluginsUnavailableException;

    /** A source that ignores {@code plugin_dirs} and always answers {@code registry}. */
    static FilterSource fixed(FilterRegistry registry) {
        return dirs -> registry;
    }

    /** Pass-through filters with these names (see {@link FilterRegistry#passThrough}). */
    static FilterSource names(Set<String> names) {
        return fixed(FilterRegistry.passThrough(names));
    }

    /** Plugins could not be loaded; each error is a full sentence. */
    final class PluginsUnavailableException extends Exception {
        private static final long serialVersionUID = 1L;
        private final List<String> errors;

        public PluginsUnavailableException(List<String> errors) {
            super(String.join("; ", errors));
            this.errors = List.copyOf(errors);
        }

        public List<String> errors() {
            return errors;
        }
    }
}
