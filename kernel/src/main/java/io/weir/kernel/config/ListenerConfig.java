package io.weir.kernel.config;

import io.weir.kernel.accesslog.TextFormat;
import java.time.Duration;
import java.util.List;

/**
 * One downstream listener.
 *
 * <p>YAML keys: {@code name}, {@code address}, {@code http} (see {@link HttpConfig}), {@code
 * per_connection_buffer_limit} (bytes, default 1 MiB: the high watermark of each connection's
 * outbound buffer before the other side stops being read), {@code traffic_direction} ({@code
 * inbound}, the default, or {@code outbound}: Envoy's listener field; it picks the {@code reporter}
 * of Istio's metrics).
 */
public record ListenerConfig(
        String name,
        HostPort address,
        HttpConfig http,
        int perConnectionBufferLimitBytes,
        TrafficDirection trafficDirection) {

    /** Envoy's {@code traffic_direction}: who the listener's requests are for. */
    public enum TrafficDirection {
        /** Requests to this workload (an Istio sidecar's inbound listener). */
        INBOUND,
        /** Requests this workload sends (an Istio sidecar's outbound listener). */
        OUTBOUND
    }

    /**
     * The HTTP connection manager of a listener.
     *
     * <p>YAML keys (all but {@code virtual_hosts} optional):
     *
     * <ul>
     *   <li>{@code filters}: ordered list of {@link FilterConfig}; the router is implicitly last
     *   <li>{@code virtual_hosts}: list of {@link VirtualHost}
     *   <li>{@code request_headers_timeout}: default 10s; 408 when the header section is not
     *       complete in time
     *   <li>{@code idle_timeout}: default 1h; a downstream connection with no active request is
     *       closed after it
     *   <li>{@code max_request_body}: bytes, default 0 = unlimited; larger bodies get 413
     *   <li>{@code max_request_headers_kb}: default 60; header section or request line above it
     *       gets 431 / 414
     *   <li>{@code max_headers_count}: default 100; more fields get 431
     *   <li>{@code merge_slashes}: default false
     *   <li>{@code xff_num_trusted_hops}: default 0 (Envoy's meaning)
     *   <li>{@code generate_request_id}: default true
     *   <li>{@code server_name}: value of the {@code server} header on local replies, default
     *       {@code weir}
     *   <li>{@code access_log}: list of {@link AccessLogConfig}
     *   <li>{@code tracing}: this listener's {@link TracingOverride} of the top-level {@code
     *       tracing:} block (Envoy's per-connection-manager {@code tracing})
     * </ul>
     */
    public record HttpConfig(
            List<FilterConfig> filters,
            List<VirtualHost> virtualHosts,
            Duration requestHeadersTimeout,
            Duration idleTimeout,
            long maxRequestBodyBytes,
            int maxRequestHeadersKb,
            int maxHeadersCount,
            boolean mergeSlashes,
            int xffNumTrustedHops,
            boolean generateRequestId,
            String serverName,
            List<AccessLogConfig> accessLog,
            TracingOverride tracing) {}

    /**
     * YAML {@code http.tracing: {enabled, sampling}}: whether this listener's requests are traced
     * (default true) and its own ratio of new traces sampled (default: the top-level {@code
     * tracing.sampling}). Needs the top-level {@code tracing:} block, which sets the exporter.
     *
     * @param sampling 0..1, or null for the top-level ratio
     */
    public record TracingOverride(boolean enabled, Double sampling) {}

    /**
     * An HTTP filter entry: YAML {@code {name, config, fail_policy, disabled, callback_timeout}}.
     *
     * @param config the raw YAML value (maps, lists, strings, numbers, booleans): unmodifiable, in
     *     the file's key order, an empty map when absent
     * @param parsed what the filter's factory bound {@code config} to (shared by all workers)
     * @param failPolicy what a stream gets when the filter throws or overruns
     * @param disabled true: skipped unless a route's or virtual host's {@code per_filter_config}
     *     enables it (Envoy's {@code disabled})
     * @param callbackTimeout a callback that returns later than this counts as a failure of the
     *     filter; zero means no limit
     */
    public record FilterConfig(
            String name,
            Object config,
            Object parsed,
            FailPolicy failPolicy,
            boolean disabled,
            Duration callbackTimeout) {}

    /** What a stream gets when a filter fails. */
    public enum FailPolicy {
        /** The stream is answered 500 with the response flag {@code FF}. */
        FAIL_CLOSED,
        /** The filter is skipped for the rest of that stream. */
        FAIL_OPEN
    }

    /**
     * YAML {@code {path: /dev/stdout | FILE, format: text | json, text_format: "..."}}. {@code
     * text} is Envoy's default format, or {@code text_format} (Envoy's command operators) when
     * given; {@code json} one object a line.
     *
     * @param textFormat the compiled {@code text_format}, or null for Envoy's default
     */
    public record AccessLogConfig(String path, Format format, TextFormat textFormat) {
        public AccessLogConfig(String path, Format format) {
            this(path, format, null);
        }

        /** Access log line formats. */
        public enum Format {
            TEXT,
            JSON
        }
    }
}
