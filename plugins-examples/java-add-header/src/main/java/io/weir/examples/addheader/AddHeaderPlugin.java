package io.weir.examples.addheader;

import io.weir.spi.HttpFilterFactory;
import io.weir.spi.SpiVersion;
import io.weir.spi.WeirPlugin;
import java.util.List;

/**
 * The plugin's entry point, listed in {@code META-INF/services/io.weir.spi.WeirPlugin}. Stateless,
 * as {@link WeirPlugin} asks.
 */
public final class AddHeaderPlugin implements WeirPlugin {
    @Override
    public String spiVersion() {
        return SpiVersion.CURRENT;
    }

    @Override
    public List<HttpFilterFactory> httpFilters() {
        return List.of(new AddHeaderFilterFactory());
    }
}
