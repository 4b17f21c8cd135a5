package io.weir.examples.addheader;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.HttpFilterFactory;
import io.weir.spi.SpiVersion;
import io.weir.spi.WeirPlugin;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class AddHeaderPluginTest {
    @Test
    void serviceLoaderFindsThePluginAndItsFilter() {
        assertThat(ServiceLoader.load(WeirPlugin.class))
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p).isInstanceOf(AddHeaderPlugin.class);
                            assertThat(SpiVersion.compatible(p.spiVersion(), SpiVersion.CURRENT))
                                    .isTrue();
                            assertThat(p.httpFilters())
                                    .extracting(HttpFilterFactory::name)
                                    .containsExactly("example.add_header");
                        });
    }
}
