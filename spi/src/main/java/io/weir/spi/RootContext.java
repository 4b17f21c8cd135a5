package io.weir.spi;

import java.time.Duration;

/**
 * The kernel side of a root context ({@link HttpFilterRoot}): everything in {@link FilterContext}
 * plus the tick period.
 *
 * <p>Threading: the owning worker only.
 */
public interface RootContext extends FilterContext {
    /**
     * Calls {@link HttpFilterRoot#onTick()} every {@code period} on this worker; {@link
     * Duration#ZERO} stops it. Like proxy-wasm's {@code proxy_set_tick_period_milliseconds}.
     */
    void setTickPeriod(Duration period);

    /** The filter's config as returned by {@link HttpFilterFactory#parseConfig}. */
    Object config();
}
