package io.weir.filters.ratelimit;

import io.weir.spi.ConfigNode;
import io.weir.spi.HttpFilterFactory;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.RootContext;

/** {@code weir.ratelimit}: see the package documentation. Stateless and thread-safe. */
final class RateLimitFilterFactory implements HttpFilterFactory {
    private final Connections connections;

    RateLimitFilterFactory() {
        this(RedisClients.SHARED);
    }

    /** With other connections (tests). */
    RateLimitFilterFactory(Connections connections) {
        this.connections = connections;
    }

    @Override
    public String name() {
        return "weir.ratelimit";
    }

    @Override
    public Object parseConfig(ConfigNode config) {
        return RateLimitConfig.from(config);
    }

    @Override
    public HttpFilterRoot createRoot(RootContext context) {
        return new RateLimitRoot(context, connections);
    }
}
