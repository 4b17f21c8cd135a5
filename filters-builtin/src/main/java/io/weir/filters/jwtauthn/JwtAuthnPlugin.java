package io.weir.filters.jwtauthn;

import io.weir.spi.HttpFilterFactory;
import io.weir.spi.SpiVersion;
import io.weir.spi.WeirPlugin;
import java.util.List;

/** Offers {@code weir.jwt_authn}; found with ServiceLoader like any plugin. */
public final class JwtAuthnPlugin implements WeirPlugin {
    @Override
    public String spiVersion() {
        return SpiVersion.CURRENT;
    }

    @Override
    public List<HttpFilterFactory> httpFilters() {
        return List.of(new JwtAuthnFilterFactory());
    }
}
