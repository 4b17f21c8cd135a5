package io.weir.kernel.plugin;

import io.weir.spi.HttpFilterFactory;
import java.util.Objects;

/**
 * One filter factory of a {@link PluginSet} and where it came from.
 *
 * @param name the filter's name in config, such as {@code acme.add_header}
 * @param factory the factory; thread-safe by the SPI's contract
 * @param plugin the name of the plugin that offers it (see {@link PluginInfo#name()})
 * @param source the jar that holds the factory's plugin, or {@code "classpath"} for a built-in
 */
public record LoadedFilter(String name, HttpFilterFactory factory, String plugin, String source) {
    public LoadedFilter {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(factory, "factory");
        Objects.requireNonNull(plugin, "plugin");
        Objects.requireNonNull(source, "source");
    }
}
