package io.weir.examples.allowlist;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.HttpFilterFactory;
import io.weir.spi.SpiVersion;
import io.weir.spi.WeirPlugin;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class AllowListPluginTest {
    @Test
    void serviceLoaderFindsThePluginAndItsFilter() {
        assertThat(ServiceLoader.load(WeirPlugin.class))
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p).isInstanceOf(AllowListPlugin.class);
                            assertThat(SpiVersion.compatible(p.spiVersion(), SpiVersion.CURRENT))
                                    .isTrue();
                            assertThat(p.httpFilters())
                                    .extracting(HttpFilterFactory::name)
                                    .containsExactly("example.allow_list");
                        });
    }
}
