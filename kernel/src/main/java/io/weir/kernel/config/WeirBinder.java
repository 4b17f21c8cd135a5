package io.weir.kernel.config;

import io.weir.kernel.accesslog.TextFormat;
import io.weir.kernel.config.ClusterConfig.LbPolicy;
import io.weir.kernel.config.ListenerConfig.AccessLogConfig;
import io.weir.kernel.config.ListenerConfig.FilterConfig;
import io.weir.kernel.config.ListenerConfig.HttpConfig;
import io.weir.kernel.config.WeirConfig.AdminConfig;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Binds the raw YAML tree to {@link WeirConfig}: the top level, listeners, their HTTP settings and
 * filters, and clusters ({@link RouteBinder} does virtual hosts and routes), then checks the
 * references between them. One instance per load.
 */
final class WeirBinder {
    static final HostPort DEFAULT_ADMIN_ADDRESS = new HostPort("127.0.0.1", 9901);
    static final Duration DEFAULT_REQUEST_HEADERS_TIMEOUT = Duration.ofSeconds(10);
    static final Duration DEFAULT_HTTP_IDLE_TIMEOUT = Duration.ofHours(1);
    static final int DEFAULT_MAX_REQUEST_HEADERS_KB = 60;
    static final int DEFAULT_MAX_HEADERS_COUNT = 100;
    static final String DEFAULT_SERVER_NAME = "weir";
    static final int DEFAULT_PER_CONNECTION_BUFFER_LIMIT = 1 << 20;
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final int DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT = 1024;
    static final Duration DEFAULT_CLUSTER_IDLE_TIMEOUT = Duration.ofSeconds(60);
    static final Duration DEFAULT_DNS_REFRESH_RATE = Duration.ofSeconds(5);
    static final int DEFAULT_MAX_PENDING_REQUESTS = 1024;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final List<String> LB_POLICIES =
            List.of("round_robin", "least_request", "random");
    private static final List<String> LOG_FORMATS = List.of("text", "json");
    private static final List<String> TRAFFIC_DIRECTIONS = List.of("inbound", "outbound");
    private static final Pattern SERVICE_HOST =
            Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");

    private final Path baseDir;
    private final FilterSource filterSource;
    private final List<ClusterRef> clusterRefs = new ArrayList<>();
    private FilterBinder filters;
    private RouteBinder routes;
    private boolean tracingConfigured; // the top-level tracing block is present

    /** A use of a cluster name, checked once every cluster is known. */
    record ClusterRef(Node node, String name) {}

    WeirBinder(Path baseDir, FilterSource filterSource) {
        this.baseDir = baseDir;
        this.filterSource = filterSource;
    }

    /** Binds the document; the result is only meaningful if no error was recorded. */
    WeirConfig bind(Node root) {
        if (!root.isPresent()) {
            root.error("empty config");
            return null;
        }
        Node.Struct s =
                root.struct(
                        "admin",
                        "plugin_dirs",
                        "listeners",
                        "clusters",
                        "observability",
                        "tracing");
        if (s == null) {
            return null;
        }
        List<Path> pluginDirs = pluginDirs(s.get("plugin_dirs"));
        FilterRegistry registry = null;
        try {
            registry = filterSource.resolve(pluginDirs);
        } catch (FilterSource.PluginsUnavailableException e) {
            Node at = s.get("plugin_dirs");
            for (String err : e.errors()) {
                at.error(err);
            }
        }
        filters = new FilterBinder(registry, baseDir);
        routes = new RouteBinder(clusterRefs, filters);
        AdminConfig admin = admin(s.get("admin"));
        Unique addresses = new Unique("address");
        if (admin.address().port() != 0) {
            addresses.add(key(admin.address()), admin.address().toString(), "admin.address", null);
        }

        TracingConfig tracing = TracingBinder.bind(s.get("tracing"));
        tracingConfigured = s.get("tracing").isPresent();
        List<ListenerConfig> listeners = new ArrayList<>();
        Unique listenerNames = new Unique("listener name");
        for (Node n : s.get("listeners").nonEmptyList()) {
            listeners.add(listener(n, listenerNames, addresses));
        }

        List<ClusterConfig> clusters = new ArrayList<>();
        Unique clusterNames = new Unique("cluster name");
        for (Node n : s.get("clusters").list()) {
            clusters.add(cluster(n, clusterNames));
        }
        for (ClusterRef ref : clusterRefs) {
            if (!clusterNames.contains(ref.name())) {
                ref.node().error("unknown cluster " + Node.quote(ref.name()));
            }
        }
        WeirConfig.ObservabilityConfig observability = observability(s.get("observability"));
        return new WeirConfig(
                baseDir,
                admin,
                pluginDirs,
                immutable(listeners),
                immutable(clusters),
                observability,
                tracing);
    }

    private static WeirConfig.ObservabilityConfig observability(Node n) {
        Node.Struct s = n.struct("istio_metrics");
        if (s == null) {
            return WeirConfig.ObservabilityConfig.NONE;
        }
        return new WeirConfig.ObservabilityConfig(istioMetrics(s.get("istio_metrics")));
    }

    /** {@code observability.istio_metrics}: on when present, unless {@code enabled: false}. */
    private static WeirConfig.IstioMetricsConfig istioMetrics(Node n) {
        Node.Struct s =
                n.struct(
                        "enabled",
                        "workload",
                        "namespace",
                        "app",
                        "version",
                        "mesh_cluster",
                        "service");
        if (s == null) {
            return null;
        }
        boolean enabled = s.get("enabled").bool(true);
        String workload = labelValue(s.get("workload"));
        String namespace = labelValue(s.get("namespace"));
        String app = labelValue(s.get("app"));
        String version = labelValue(s.get("version"));
        String cluster = labelValue(s.get("mesh_cluster"));
        Node serviceNode = s.get("service");
        String service = labelValue(serviceNode);
        if (service != null && !SERVICE_HOST.matcher(service).matches()) {
            serviceNode.error(
                    "invalid service "
                            + Node.quote(service)
                            + " (expected a lower-case host name such as"
                            + " reviews.default.svc.cluster.local)");
        }
        return enabled
                ? new WeirConfig.IstioMetricsConfig(
                        workload, namespace, app, version, cluster, service)
                : null;
    }

    /** An optional non-empty label value without control characters; null when absent. */
    private static String labelValue(Node n) {
        if (!n.isPresent()) {
            return null;
        }
        String v = n.requiredString();
        if (v != null && v.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            n.error("must not contain control characters");
        }
        return v;
    }

    /** {@code plugin_dirs}: a list of directories relative to the config file; default plugins. */
    private List<Path> pluginDirs(Node n) {
        if (!n.isPresent()) {
            return List.of(baseDir.resolve("plugins").normalize());
        }
        List<Path> out = new ArrayList<>();
        for (Node d : n.list()) {
            String text = d.requiredString();
            if (text == null) {
                continue;
            }
            try {
                out.add(baseDir.resolve(text).normalize());
            } catch (java.nio.file.InvalidPathException e) {
                d.error("invalid path " + Node.quote(text) + ": " + e.getReason());
            }
        }
        return immutable(out);
    }

    private static AdminConfig admin(Node n) {
        Node.Struct s = n.struct("address");
        HostPort address = s == null ? null : address(s.get("address"), 0, false);
        return new AdminConfig(address != null ? address : DEFAULT_ADMIN_ADDRESS);
    }

    private ListenerConfig listener(Node n, Unique names, Unique addresses) {
        Node.Struct s =
                n.requiredStruct(
                        "name",
                        "address",
                        "http",
                        "per_connection_buffer_limit",
                        "traffic_direction");
        if (s == null) {
            return null;
        }
        String name = name(s.get("name"));
        names.add(name, name, s.get("name"));
        Node addressNode = s.get("address");
        HostPort address = address(addressNode, 0, true);
        if (address != null && address.port() != 0) {
            addresses.add(key(address), address.toString(), addressNode.path(), addressNode);
        }
        HttpConfig http = http(s.get("http"));
        long bufferLimit =
                s.get("per_connection_buffer_limit")
                        .size(DEFAULT_PER_CONNECTION_BUFFER_LIMIT, 1, Integer.MAX_VALUE);
        String direction = s.get("traffic_direction").oneOf(TRAFFIC_DIRECTIONS, "inbound");
        return new ListenerConfig(
                name,
                address,
                http,
                (int) bufferLimit,
                ListenerConfig.TrafficDirection.valueOf(direction.toUpperCase(Locale.ROOT)));
    }

    private HttpConfig http(Node n) {
        Node.Struct s =
                n.requiredStruct(
                        "filters",
                        "virtual_hosts",
                        "request_headers_timeout",
                        "idle_timeout",
                        "max_request_body",
                        "max_request_headers_kb",
                        "max_headers_count",
                        "merge_slashes",
                        "xff_num_trusted_hops",
                        "generate_request_id",
                        "server_name",
                        "access_log",
                        "tracing");
        if (s == null) {
            return null;
        }
        List<FilterConfig> filters = new ArrayList<>();
        for (Node f : s.get("filters").list()) {
            filters.add(this.filters.filter(f));
        }
        List<VirtualHost> virtualHosts = routes.virtualHosts(s.get("virtual_hosts"));
        Duration headersTimeout =
                s.get("request_headers_timeout").duration(DEFAULT_REQUEST_HEADERS_TIMEOUT, false);
        Duration idleTimeout = s.get("idle_timeout").duration(DEFAULT_HTTP_IDLE_TIMEOUT, false);
        long maxBody = s.get("max_request_body").size(0, 0, Long.MAX_VALUE);
        int maxHeadersKb =
                s.get("max_request_headers_kb").intAtLeast(1, DEFAULT_MAX_REQUEST_HEADERS_KB);
        int maxHeadersCount = s.get("max_headers_count").intAtLeast(1, DEFAULT_MAX_HEADERS_COUNT);
        boolean mergeSlashes = s.get("merge_slashes").bool(false);
        int xffHops = s.get("xff_num_trusted_hops").intAtLeast(0, 0);
        boolean requestId = s.get("generate_request_id").bool(true);
        String serverName = serverName(s.get("server_name"));
        List<AccessLogConfig> accessLog = new ArrayList<>();
        for (Node a : s.get("access_log").list()) {
            accessLog.add(accessLog(a));
        }
        return new HttpConfig(
                immutable(filters),
                virtualHosts,
                headersTimeout,
                idleTimeout,
                maxBody,
                maxHeadersKb,
                maxHeadersCount,
                mergeSlashes,
                xffHops,
                requestId,
                serverName,
                immutable(accessLog),
                tracingOverride(s.get("tracing")));
    }

    /** {@code http.tracing}: null when absent. */
    private ListenerConfig.TracingOverride tracingOverride(Node n) {
        Node.Struct s = n.struct("enabled", "sampling");
        if (s == null) {
            return null;
        }
        if (!tracingConfigured) {
            n.error("needs the top-level tracing block (which sets the exporter)");
        }
        boolean enabled = s.get("enabled").bool(true);
        Node samplingNode = s.get("sampling");
        Double sampling = null;
        if (samplingNode.isPresent()) {
            sampling = samplingNode.numberInRange(0, 1, 1.0);
            if (!enabled) {
                samplingNode.error("has no effect with enabled: false");
            }
        }
        return new ListenerConfig.TracingOverride(enabled, sampling);
    }

    private static String serverName(Node n) {
        if (!n.isPresent()) {
            return DEFAULT_SERVER_NAME;
        }
        String s = n.requiredString();
        if (s != null && !ConfigValues.isSafeHeaderValue(s)) {
            n.error(RouteBinder.UNSAFE_VALUE);
        }
        return s;
    }

    private AccessLogConfig accessLog(Node n) {
        Node.Struct s = n.requiredStruct("path", "format", "text_format");
        if (s == null) {
            return null;
        }
        Node pathNode = s.get("path");
        String path = pathNode.requiredString();
        if (path != null) {
            try {
                path = baseDir.resolve(path).toString();
            } catch (InvalidPathException e) {
                pathNode.error("invalid path " + Node.quote(path));
            }
        }
        String format = s.get("format").oneOf(LOG_FORMATS, "text");
        Node textNode = s.get("text_format");
        TextFormat textFormat = null;
        if (textNode.isPresent()) {
            String text = textNode.requiredString();
            if (text != null && !format.equals("text")) {
                textNode.error("only with format: text (format is " + format + ")");
            } else if (text != null) {
                try {
                    textFormat = TextFormat.compile(text);
                } catch (IllegalArgumentException e) {
                    textNode.error(e.getMessage());
                }
            }
        }
        return new AccessLogConfig(
                path, AccessLogConfig.Format.valueOf(format.toUpperCase(Locale.ROOT)), textFormat);
    }

    private static ClusterConfig cluster(Node n, Unique names) {
        Node.Struct s =
                n.requiredStruct(
                        "name",
                        "connect_timeout",
                        "lb_policy",
                        "endpoints",
                        "max_connections_per_endpoint",
                        "idle_timeout",
                        "dns_refresh_rate",
                        "max_pending_requests");
        if (s == null) {
            return null;
        }
        String name = name(s.get("name"));
        names.add(name, name, s.get("name"));
        Duration connectTimeout = s.get("connect_timeout").duration(DEFAULT_CONNECT_TIMEOUT, false);
        String lb = s.get("lb_policy").oneOf(LB_POLICIES, "round_robin");
        List<HostPort> endpoints = new ArrayList<>();
        for (Node e : s.get("endpoints").nonEmptyList()) {
            Node.Struct es = e.requiredStruct("address");
            if (es != null) {
                endpoints.add(address(es.get("address"), 1, true));
            }
        }
        int maxConnections =
                s.get("max_connections_per_endpoint")
                        .intAtLeast(1, DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT);
        Duration idleTimeout = s.get("idle_timeout").duration(DEFAULT_CLUSTER_IDLE_TIMEOUT, false);
        Duration dnsRefresh = s.get("dns_refresh_rate").duration(DEFAULT_DNS_REFRESH_RATE, false);
        int maxPending = s.get("max_pending_requests").intAtLeast(1, DEFAULT_MAX_PENDING_REQUESTS);
        return new ClusterConfig(
                name,
                connectTimeout,
                LbPolicy.valueOf(lb.toUpperCase(Locale.ROOT)),
                immutable(endpoints),
                maxConnections,
                idleTimeout,
                dnsRefresh,
                maxPending);
    }

    /**
     * A required name of letters, digits, {@code .}, {@code _} and {@code -}. A name with other
     * characters is an error but still returned, so that references to it are not reported again.
     */
    static String name(Node n) {
        String s = n.requiredString();
        if (s != null && !NAME.matcher(s).matches()) {
            n.error(
                    "must contain only letters, digits, '.', '_' and '-' (was "
                            + Node.quote(s)
                            + ")");
        }
        return s;
    }

    /** A {@code HOST:PORT} address with a port {@code >= minPort}; null if absent or invalid. */
    private static HostPort address(Node n, int minPort, boolean required) {
        if (!n.isPresent()) {
            if (required) {
                n.error("required");
            }
            return null;
        }
        String text = n.scalarText("an address");
        if (text == null) {
            return null;
        }
        HostPort hp = ConfigValues.parseHostPort(text);
        if (hp == null) {
            n.error("invalid address " + Node.quote(text) + " (expected HOST:PORT)");
            return null;
        }
        if (hp.port() < minPort) {
            n.error("invalid address " + Node.quote(text) + " (port must be 1..65535)");
            return null;
        }
        return hp;
    }

    private static String key(HostPort hp) {
        return hp.host().toLowerCase(Locale.ROOT) + " " + hp.port();
    }

    /** An unmodifiable copy without the nulls left by values that had errors. */
    static <T> List<T> immutable(List<T> list) {
        List<T> out = new ArrayList<>(list.size());
        for (T t : list) {
            if (t != null) {
                out.add(t);
            }
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Reports the second and later uses of a value that must be unique: {@code duplicate cluster
     * name "backend" (also clusters[0].name)}.
     */
    static final class Unique {
        private final String what;
        private final Map<String, String> firstPath = new HashMap<>();

        Unique(String what) {
            this.what = what;
        }

        void add(String key, String shown, Node node) {
            add(key, shown, node.path(), node);
        }

        /** Records {@code key}; if it was seen before, reports it on {@code node} (if not null). */
        void add(String key, String shown, String path, Node node) {
            if (key == null) {
                return;
            }
            String first = firstPath.putIfAbsent(key, path);
            if (first != null && node != null) {
                node.error("duplicate " + what + " " + Node.quote(shown) + " (also " + first + ")");
            }
        }

        boolean contains(String key) {
            return firstPath.containsKey(key);
        }
    }
}
