package io.weir.examples.allowlist;

import io.weir.spi.ConfigNode;
import io.weir.spi.HttpFilterFactory;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.RootContext;

/** Makes {@code example.allow_list} filters. Stateless and thread-safe. */
public final class AllowListFilterFactory implements HttpFilterFactory {
    /** The filter's name in config. */
    public static final String NAME = "example.allow_list";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Object parseConfig(ConfigNode config) {
        return AllowListConfig.from(config);
    }

    @Override
    public HttpFilterRoot createRoot(RootContext context) {
        return new AllowListRoot(context);
    }
}
