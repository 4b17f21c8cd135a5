package io.weir.filters.apikey;

import io.weir.spi.ConfigNode;
import io.weir.spi.HttpFilter;
import io.weir.spi.HttpFilterFactory;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.Metrics;
import io.weir.spi.RootContext;
import io.weir.spi.StreamContext;

/**
 * {@code weir.api_key}: API keys from a header or query parameter, checked against SHA-256 hashes.
 * {@link #parseConfig} binds a block with its keys (and starts watching its {@code keys_file}), so
 * every worker shares them. Stateless and thread-safe.
 */
final class ApiKeyFilterFactory implements HttpFilterFactory {
    static final String NAME = "weir.api_key";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Object parseConfig(ConfigNode config) {
        return ApiKeyConfig.from(config);
    }

    @Override
    public HttpFilterRoot createRoot(RootContext context) {
        return new Root(context.metrics());
    }

    /** Per worker: the metrics; the keys live in the config. */
    static final class Root implements HttpFilterRoot {
        final Metrics.Counter allowed;
        final Metrics.Counter denied;
        final Metrics.Counter reloads;

        Root(Metrics m) {
            allowed = m.counter("weir_api_key_allowed_total", "requests with a known API key");
            denied =
                    m.counter(
                            "weir_api_key_denied_total",
                            "requests answered 401: reason missing or invalid",
                            "reason");
            reloads =
                    m.counter(
                            "weir_api_key_reloads_total",
                            "keys_file reloads: result ok, or error (previous keys kept)",
                            "result");
        }

        @Override
        public void onConfigure(Object config) {
            ((ApiKeyConfig) config).store().attach(reloads);
        }

        @Override
        public HttpFilter newFilter(StreamContext context) {
            return new ApiKeyFilter(context, this);
        }
    }
}
