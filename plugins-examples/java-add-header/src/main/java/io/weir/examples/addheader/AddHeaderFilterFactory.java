package io.weir.examples.addheader;

import io.weir.spi.ConfigNode;
import io.weir.spi.HttpFilterFactory;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.RootContext;

/** Makes {@code example.add_header} filters. Stateless and thread-safe. */
public final class AddHeaderFilterFactory implements HttpFilterFactory {
    /** The filter's name in config. */
    public static final String NAME = "example.add_header";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Object parseConfig(ConfigNode config) {
        return AddHeaderConfig.from(config);
    }

    @Override
    public HttpFilterRoot createRoot(RootContext context) {
        // nothing per worker: the root only makes one filter per request
        return AddHeaderFilter::new;
    }
}
