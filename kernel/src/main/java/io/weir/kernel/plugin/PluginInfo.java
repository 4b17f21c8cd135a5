package io.weir.kernel.plugin;

import java.util.List;
import java.util.Objects;

/**
 * What {@code GET /plugins} shows about one loaded plugin.
 *
 * @param name the plugin directory's name ({@code plugins/<name>/}), or the class name of a
 *     built-in {@link io.weir.spi.WeirPlugin}
 * @param version the plugin's {@link io.weir.spi.WeirPlugin#version()}; when a directory holds
 *     several {@code WeirPlugin}s with different versions, those versions joined by {@code ", "}
 * @param source the plugin's jars joined by {@code ", "}, or {@code "classpath"} for a built-in
 * @param filters the names of the filters it offers, in the order it lists them
 * @param spiVersion the SPI version it was built against (joined like {@code version})
 */
public record PluginInfo(
        String name, String version, String source, List<String> filters, String spiVersion) {
    public PluginInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(spiVersion, "spiVersion");
        filters = List.copyOf(filters);
    }
}
