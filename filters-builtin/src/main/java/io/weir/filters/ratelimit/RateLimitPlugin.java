package io.weir.filters.ratelimit;

import io.weir.spi.HttpFilterFactory;
import io.weir.spi.SpiVersion;
import io.weir.spi.WeirPlugin;
import java.util.List;

/** Offers {@code weir.ratelimit}; found with ServiceLoader like any plugin. */
public final class RateLimitPlugin implements WeirPlugin {
    @Override
    public String spiVersion() {
        return SpiVersion.CURRENT;
    }

    @Override
    public List<HttpFilterFactory> httpFilters() {
        return List.of(new RateLimitFilterFactory());
    }
}
