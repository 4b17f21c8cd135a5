package io.weir.filters.localratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.HttpFilterFactory;
import io.weir.spi.SpiVersion;
import io.weir.spi.WeirPlugin;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class LocalRateLimitPluginTest {
    @Test
    void serviceLoaderFindsThePluginOfferingTheFilter() {
        WeirPlugin p =
                ServiceLoader.load(WeirPlugin.class).stream()
                        .map(ServiceLoader.Provider::get)
                        .filter(LocalRateLimitPlugin.class::isInstance)
                        .findFirst()
                        .orElseThrow();
        assertThat(p.spiVersion()).isEqualTo(SpiVersion.CURRENT);
        assertThat(p.httpFilters())
                .extracting(HttpFilterFactory::name)
                .containsExactly("weir.local_ratelimit");
    }
}
