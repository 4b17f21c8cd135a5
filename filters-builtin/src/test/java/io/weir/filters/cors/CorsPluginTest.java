package io.weir.filters.cors;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.HttpFilterFactory;
import io.weir.spi.SpiVersion;
import io.weir.spi.WeirPlugin;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class CorsPluginTest {
    @Test
    void isFoundByServiceLoaderAndOffersTheFilter() {
        assertThat(
                        ServiceLoader.load(WeirPlugin.class).stream()
                                .map(ServiceLoader.Provider::get)
                                .filter(p -> p instanceof CorsPlugin))
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.spiVersion()).isEqualTo(SpiVersion.CURRENT);
                            assertThat(p.httpFilters())
                                    .extracting(HttpFilterFactory::name)
                                    .containsExactly("weir.cors");
                        });
    }
}
