package io.weir.spi;

/**
 * Makes one kind of HTTP filter, named in config by {@link #name()}.
 *
 * <p>Lifecycle: when a config is loaded, {@link #parseConfig} checks each {@code config:} block
 * naming this filter (the listener's and every per-route override). When the config is applied,
 * {@link #createRoot} is called once per configured filter per worker; the root then configures
 * itself and makes one {@link HttpFilter} per request.
 *
 * <p>Threading: {@link #parseConfig} runs on the config-loading thread (never a worker) and may run
 * concurrently with traffic on an older config; {@link #createRoot} runs on the worker that will
 * own the root. Instances must be thread-safe; keep them stateless.
 */
public interface HttpFilterFactory {
    /**
     * The filter's name in config: dotted and namespaced, for example {@code weir.local_ratelimit}
     * or {@code acme.my_filter}. Unique among all loaded plugins.
     */
    String name();

    /**
     * Binds and checks a {@code config:} block. Report every problem with {@link ConfigNode#error}
     * (the message gets the YAML path) and return any value (it is discarded when errors were
     * reported). The result must be immutable: it is shared by all workers and handed to {@link
     * HttpFilterRoot#onConfigure} and {@link StreamContext#config()}.
     *
     * <p>The default keeps the raw value: maps, lists, strings, numbers and booleans.
     */
    default Object parseConfig(ConfigNode config) {
        return config.raw();
    }

    /** A new root context for one configured filter on the calling worker. */
    HttpFilterRoot createRoot(RootContext context);
}
