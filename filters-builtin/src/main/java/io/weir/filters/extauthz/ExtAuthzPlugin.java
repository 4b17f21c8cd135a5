package io.weir.filters.extauthz;

import io.weir.spi.HttpFilterFactory;
import io.weir.spi.SpiVersion;
import io.weir.spi.WeirPlugin;
import java.util.List;

/** Offers {@code weir.ext_authz}; found with ServiceLoader like any plugin. */
public final class ExtAuthzPlugin implements WeirPlugin {
    @Override
    public String spiVersion() {
        return SpiVersion.CURRENT;
    }

    @Override
    public List<HttpFilterFactory> httpFilters() {
        return List.of(new ExtAuthzFilterFactory());
    }
}
