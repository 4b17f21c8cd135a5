package io.weir.spi;

import java.util.List;

/**
 * The entry point of a plugin, found with {@link java.util.ServiceLoader}: list the implementing
 * class in {@code META-INF/services/io.weir.spi.WeirPlugin}. Built-in filters are found the same
 * way.
 *
 * <p>Every extension point is a default method returning an empty list, so a plugin implements only
 * what it offers and new extension points never break it. The one method without a default is
 * {@link #spiVersion()}.
 *
 * <p>Threading: instantiated (public no-argument constructor) and queried on the thread that loads
 * plugins, once per load; keep it stateless.
 */
public interface WeirPlugin {
    /**
     * The SPI version this plugin was compiled against: implement it as {@code return
     * SpiVersion.CURRENT;} (see {@link SpiVersion}).
     */
    String spiVersion();

    /** The HTTP filters this plugin offers. */
    default List<HttpFilterFactory> httpFilters() {
        return List.of();
    }

    /**
     * This plugin's own version, shown by {@code GET /plugins}. The default is the jar manifest's
     * {@code Implementation-Version}, or {@code "unknown"}.
     */
    default String version() {
        String v = getClass().getPackage().getImplementationVersion();
        return v == null ? "unknown" : v;
    }
}
