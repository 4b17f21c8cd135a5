package io.weir.examples.allowlist;

import io.weir.spi.HttpFilterFactory;
import io.weir.spi.SpiVersion;
import io.weir.spi.WeirPlugin;
import java.util.List;

/** The plugin's entry point, listed in {@code META-INF/services/io.weir.spi.WeirPlugin}. */
public final class AllowListPlugin implements WeirPlugin {
    @Override
    public String spiVersion() {
        return SpiVersion.CURRENT;
    }

    @Override
    public List<HttpFilterFactory> httpFilters() {
        return List.of(new AllowListFilterFactory());
    }
}
