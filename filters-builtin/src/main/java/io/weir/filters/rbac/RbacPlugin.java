package io.weir.filters.rbac;

import io.weir.spi.HttpFilterFactory;
import io.weir.spi.SpiVersion;
import io.weir.spi.WeirPlugin;
import java.util.List;

/** Offers {@code weir.rbac}; found with ServiceLoader like any plugin. */
public final class RbacPlugin implements WeirPlugin {
    @Override
    public String spiVersion() {
        return SpiVersion.CURRENT;
    }

    @Override
    public List<HttpFilterFactory> httpFilters() {
        return List.of(new RbacFilterFactory());
    }
}
