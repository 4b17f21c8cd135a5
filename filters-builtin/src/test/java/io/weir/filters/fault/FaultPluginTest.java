package io.weir.filters.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.HttpFilterFactory;
import io.weir.spi.SpiVersion;
import io.weir.spi.WeirPlugin;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class FaultPluginTest {
    @Test
    void serviceLoaderFindsThePluginOfferingTheFilter() {
        WeirPlugin p =
                ServiceLoader.load(WeirPlugin.class).stream()
                        .map(ServiceLoader.Provider::get)
                        .filter(FaultPlugin.class::isInstance)
                        .findFirst()
                        .orElseThrow();
        assertThat(p.spiVersion()).isEqualTo(SpiVersion.CURRENT);
        assertThat(p.httpFilters())
                .extracting(HttpFilterFactory::name)
                .containsExactly("weir.fault");
    }
}
