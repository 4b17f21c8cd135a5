package io.weir.kernel.http;

import io.weir.kernel.accesslog.AccessLog;
import io.weir.kernel.config.ListenerConfig;
import io.weir.kernel.router.RouteTable;
import io.weir.kernel.stats.IstioMetrics;
import io.weir.spi.tracing.Tracer;
import java.util.List;

/**
 * What every connection of a listener shares: its config, compiled routes, stats and access logs.
 * Immutable; a new config builds a new one.
 */
public final class ListenerRuntime {
    public final ListenerConfig config;
    public final ListenerConfig.HttpConfig http;
    public final RouteTable routes;
    public final ListenerStats stats;
    public final List<AccessLog> accessLogs;

    /** Where Istio's standard metrics of this listener's requests go, or null when they are off. */
    public final IstioMetrics.Reporter istio;

    /** The listener's filters in this generation; empty for the router alone. */
    public final ListenerFilters filters;

    /**
     * The process's tracer as this listener uses it ({@link #forListener}), or null when nothing
     * here is traced.
     */
    public final Tracer tracer;

    /** Whether each filter gets an INTERNAL span ({@code tracing.filter_spans}). */
    public final boolean filterSpans;

    public ListenerRuntime(
            ListenerConfig config,
            ListenerStats stats,
            List<AccessLog> accessLogs,
            ListenerFilters filters) {
        this(config, stats, accessLogs, filters, null, null, false);
    }

    public ListenerRuntime(
            ListenerConfig config,
            ListenerStats stats,
            List<AccessLog> accessLogs,
            ListenerFilters filters,
            IstioMetrics.Reporter istio,
            Tracer tracer,
            boolean filterSpans) {
        this.istio = istio;
        this.tracer = forListener(tracer, config.http().tracing());
        this.filterSpans = this.tracer != null && filterSpans;
        this.config = config;
        this.http = config.http();
        this.routes = new RouteTable(config.http());
        this.filters = filters;
        this.stats = stats;
        this.accessLogs = List.copyOf(accessLogs);
    }

    /**
     * The process's tracer (null without {@code tracing:}) as a listener with {@code http.tracing}
     * {@code o} uses it: none when the listener turns tracing off, a copy with the listener's own
     * ratio when it sets one (the server has checked at start or reload that the tracer can).
     */
    static Tracer forListener(Tracer process, ListenerConfig.TracingOverride o) {
        if (process == null || o == null) {
            return process;
        }
        if (!o.enabled()) {
            return null;
        }
        return o.sampling() == null ? process : process.withSampling(o.sampling());
    }
}
