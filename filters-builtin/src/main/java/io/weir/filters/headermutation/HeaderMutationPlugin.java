package io.weir.filters.headermutation;

import io.weir.spi.HttpFilterFactory;
import io.weir.spi.SpiVersion;
import io.weir.spi.WeirPlugin;
import java.util.List;

/** Offers {@code weir.header_mutation}; found with ServiceLoader like any plugin. */
public final class HeaderMutationPlugin implements WeirPlugin {
    @Override
    public String spiVersion() {
        return SpiVersion.CURRENT;
    }

    @Override
    public List<HttpFilterFactory> httpFilters() {
        return List.of(new HeaderMutationFilterFactory());
    }
}
