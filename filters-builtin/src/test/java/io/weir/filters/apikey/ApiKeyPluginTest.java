package io.weir.filters.apikey;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.HttpFilterFactory;
import io.weir.spi.SpiVersion;
import io.weir.spi.WeirPlugin;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class ApiKeyPluginTest {
    @Test
    void serviceLoaderFindsThePluginOfferingTheFilter() {
        WeirPlugin p =
                ServiceLoader.load(WeirPlugin.class).stream()
                        .map(ServiceLoader.Provider::get)
                        .filter(ApiKeyPlugin.class::isInstance)
                        .findFirst()
                        .orElseThrow();
        assertThat(p.spiVersion()).isEqualTo(SpiVersion.CURRENT);
        assertThat(p.httpFilters())
                .extracting(HttpFilterFactory::name)
                .containsExactly("weir.api_key");
    }
}
