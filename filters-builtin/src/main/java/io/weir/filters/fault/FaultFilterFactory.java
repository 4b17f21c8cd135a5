package io.weir.filters.fault;

import io.weir.spi.ConfigNode;
import io.weir.spi.HttpFilterFactory;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.RootContext;

/**
 * {@code weir.fault}: Envoy's fault injection filter (Istio's {@code fault}). {@link #parseConfig}
 * binds a block; the count of faults in progress belongs to the listener's block and is shared by
 * every worker's root. Stateless and thread-safe.
 */
final class FaultFilterFactory implements HttpFilterFactory {
    static final String NAME = "weir.fault";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Object parseConfig(ConfigNode config) {
        return FaultConfig.from(config);
    }

    @Override
    public HttpFilterRoot createRoot(RootContext context) {
        return new FaultRoot(context, ((FaultConfig) context.config()).active());
    }
}
