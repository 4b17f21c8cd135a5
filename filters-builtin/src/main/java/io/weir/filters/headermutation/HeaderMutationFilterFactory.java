package io.weir.filters.headermutation;

import io.weir.spi.ConfigNode;
import io.weir.spi.HttpFilterFactory;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.RootContext;

/** {@code weir.header_mutation}: adds, sets, removes and renames request and response headers. */
public final class HeaderMutationFilterFactory implements HttpFilterFactory {
    /** The filter's name in config. */
    public static final String NAME = "weir.header_mutation";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Object parseConfig(ConfigNode config) {
        return HeaderMutationConfig.from(config);
    }

    @Override
    public HttpFilterRoot createRoot(RootContext context) {
        return HeaderMutationFilter::new; // no per-worker state
    }
}
