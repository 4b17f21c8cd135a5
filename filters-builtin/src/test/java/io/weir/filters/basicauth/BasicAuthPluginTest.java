package io.weir.filters.basicauth;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.HttpFilterFactory;
import io.weir.spi.SpiVersion;
import io.weir.spi.WeirPlugin;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class BasicAuthPluginTest {
    @Test
    void serviceLoaderFindsThePluginOfferingTheFilter() {
        WeirPlugin p =
                ServiceLoader.load(WeirPlugin.class).stream()
                        .map(ServiceLoader.Provider::get)
                        .filter(BasicAuthPlugin.class::isInstance)
                        .findFirst()
                        .orElseThrow();
        assertThat(p.spiVersion()).isEqualTo(SpiVersion.CURRENT);
        assertThat(p.httpFilters())
                .extracting(HttpFilterFactory::name)
                .containsExactly("weir.basic_auth");
    }
}
