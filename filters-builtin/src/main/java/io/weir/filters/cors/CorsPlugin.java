package io.weir.filters.cors;

import io.weir.spi.HttpFilterFactory;
import io.weir.spi.SpiVersion;
import io.weir.spi.WeirPlugin;
import java.util.List;

/** Offers {@code weir.cors}; found with ServiceLoader like any plugin. */
public final class CorsPlugin implements WeirPlugin {
    @Override
    public String spiVersion() {
        return SpiVersion.CURRENT;
    }

    @Override
    public List<HttpFilterFactory> httpFilters() {
        return List.of(new CorsFilterFactory());
    }
}
