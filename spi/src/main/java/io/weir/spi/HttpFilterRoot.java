package io.weir.spi;

/**
 * The root (plugin) context of one configured filter on one worker, like proxy-wasm's root context:
 * it receives the filter's config, ticks, and creates the per-request {@link HttpFilter}s.
 *
 * <p>Threading: every method is called on the owning worker thread only, never concurrently.
 * Lifecycle: {@link #onConfigure} once before any stream, then {@link #newFilter} per request and
 * {@link #onTick} at the period set with {@link RootContext#setTickPeriod}; {@link #onDone} once,
 * after the last stream created by this root has been destroyed (when the config is replaced or
 * Weir stops). Nothing is called after {@code onDone}.
 */
public interface HttpFilterRoot {
    /**
     * Receives the filter's config as returned by {@link HttpFilterFactory#parseConfig}. Throw
     * {@link FilterConfigException} to reject it: at start-up Weir exits with the message, on a
     * reload the new config is rejected whole and the old one keeps serving.
     */
    default void onConfigure(Object config) throws FilterConfigException {}

    /** Called at the tick period, if one is set. */
    default void onTick() {}

    /** The root is retired; release what it holds. */
    default void onDone() {}

    /**
     * The filter for one new request. {@code context} stays valid until {@link
     * HttpFilter#onDestroy()} returns.
     */
    HttpFilter newFilter(StreamContext context);
}
