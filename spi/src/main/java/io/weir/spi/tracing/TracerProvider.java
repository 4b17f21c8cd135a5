package io.weir.spi.tracing;

import io.weir.spi.ConfigNode;
import io.weir.spi.Metrics;

/**
 * Makes the process's {@link Tracer} from the {@code tracing:} block of the config. Registered for
 * {@link java.util.ServiceLoader} in {@code META-INF/services/io.weir.spi.tracing.TracerProvider};
 * Weir uses the first one found on its class path.
 *
 * <p>Threading: {@link #create} is called once, at start-up, on the thread starting Weir.
 */
public interface TracerProvider {
    /** A short name for logs, such as {@code opentelemetry}. */
    String name();

    /**
     * Makes the tracer. The kernel has already checked the block against the documented keys and
     * ranges; the provider reads what it needs from {@code config} and reports any further problem
     * with {@link ConfigNode#error} (Weir then refuses to start and shows every error).
     *
     * @param config the {@code tracing:} block (path {@code tracing})
     * @param metrics where the tracer defines its own counters, exported as given (no extra labels)
     *     on {@code /stats/prometheus}, such as {@code weir_tracing_spans_dropped_total}
     * @return the tracer, or null when errors were reported
     */
    Tracer create(ConfigNode config, Metrics metrics);
}
