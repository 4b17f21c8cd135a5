package io.weir.kernel.config;

import io.weir.kernel.config.ListenerConfig.AccessLogConfig;
import io.weir.kernel.config.ListenerConfig.FilterConfig;
import io.weir.kernel.config.ListenerConfig.HttpConfig;
import io.weir.kernel.config.Route.DirectResponse;
import io.weir.kernel.config.Route.Forward;
import io.weir.kernel.config.Route.HeaderMatcher;
import io.weir.kernel.config.Route.Match;
import io.weir.kernel.config.Route.QueryParameterMatcher;
import io.weir.kernel.config.Route.Redirect;
import io.weir.kernel.config.Route.WeightedCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders the effective config, defaults filled in, as pretty-printed JSON for the admin {@code
 * /config_dump} endpoint.
 *
 * <p>Keys are the YAML keys (snake_case), durations are strings such as {@code "15s"} or {@code
 * "250ms"}, sizes are numbers of bytes, and absent optional values are left out, so the output is
 * itself a valid config file (JSON is YAML) that loads to the same config, secrets aside. A
 * filter's {@code config} is rendered from its raw maps and lists.
 *
 * <p>Secrets are not shown: the value of every map entry whose key contains {@code secret}, {@code
 * password}, {@code token}, {@code key}, {@code authorization} or {@code cookie} (ignoring case),
 * and the values matched by a header or query parameter matcher with such a name, are rendered as
 * {@code "[redacted]"}. Stateless and thread-safe.
 */
public final class ConfigJson {
    /** What a secret value is rendered as. */
    public static final String REDACTED = "[redacted]";

    private static final List<String> SENSITIVE =
            List.of("secret", "password", "token", "key", "authorization", "cookie");

    private ConfigJson() {}

    /** The config as pretty JSON (two-space indent), ending with a newline. */
    public static String toJson(WeirConfig config) {
        StringBuilder b = new StringBuilder();
        write(b, config(config), 0);
        return b.append('\n').toString();
    }

    /** True if a value under this key or name is a secret, by the rule in the class comment. */
    static boolean isSensitive(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (String s : SENSITIVE) {
            if (lower.contains(s)) {
                return true;
            }
        }
        return false;
    }

    // ---- records to ordered maps, keys as in YAML

    private static Map<String, Object> config(WeirConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("admin", Map.of("address", c.admin().address().toString()));
        m.put(
                "plugin_dirs",
                map(
                        c.pluginDirs(),
                        p ->
                                p.startsWith(c.baseDir())
                                        ? c.baseDir().relativize(p).toString()
                                        : p.toString()));
        m.put("listeners", map(c.listeners(), ConfigJson::listener));
        m.put("clusters", map(c.clusters(), ConfigJson::cluster));
        WeirConfig.IstioMetricsConfig im = c.observability().istioMetrics();
        if (im != null) {
            Map<String, Object> istio = new LinkedHashMap<>();
            istio.put("enabled", true);
            putIfNotNull(istio, "workload", im.workload());
            putIfNotNull(istio, "namespace", im.namespace());
            putIfNotNull(istio, "app", im.app());
            putIfNotNull(istio, "version", im.version());
            putIfNotNull(istio, "mesh_cluster", im.meshCluster());
            putIfNotNull(istio, "service", im.service());
            m.put("observability", Map.of("istio_metrics", istio));
        }
        if (c.tracing() != null) {
            m.put("tracing", tracing(c.tracing()));
        }
        return m;
    }

    private static Map<String, Object> tracing(TracingConfig t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("service_name", t.serviceName());
        m.put("sampling", t.sampling());
        m.put("propagation", t.propagation());
        putIfNotNull(m, "force_sample_header", t.forceSampleHeader());
        m.put("filter_spans", t.filterSpans());
        Map<String, Object> exporter = new LinkedHashMap<>();
        exporter.put("endpoint", t.exporter().endpoint());
        putIfNotNull(exporter, "protocol", t.exporter().protocol());
        m.put("exporter", Map.of(t.exporter().kind(), exporter));
        Map<String, Object> batch = new LinkedHashMap<>();
        batch.put("max_queue_size", t.batch().maxQueueSize());
        batch.put("max_export_batch_size", t.batch().maxExportBatchSize());
        batch.put("schedule_delay", duration(t.batch().scheduleDelay()));
        batch.put("export_timeout", duration(t.batch().exportTimeout()));
        m.put("batch", batch);
        return m;
    }

    private static Map<String, Object> listener(ListenerConfig l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", l.name());
        m.put("address", l.address().toString());
        m.put("per_connection_buffer_limit", l.perConnectionBufferLimitBytes());
        m.put("traffic_direction", l.trafficDirection().name().toLowerCase(Locale.ROOT));
        m.put("http", http(l.http()));
        return m;
    }

    private static Map<String, Object> http(HttpConfig h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("filters", map(h.filters(), ConfigJson::filter));
        m.put("virtual_hosts", map(h.virtualHosts(), ConfigJson::virtualHost));
        m.put("request_headers_timeout", duration(h.requestHeadersTimeout()));
        m.put("idle_timeout", duration(h.idleTimeout()));
        m.put("max_request_body", h.maxRequestBodyBytes());
        m.put("max_request_headers_kb", h.maxRequestHeadersKb());
        m.put("max_headers_count", h.maxHeadersCount());
        m.put("merge_slashes", h.mergeSlashes());
        m.put("xff_num_trusted_hops", h.xffNumTrustedHops());
        m.put("generate_request_id", h.generateRequestId());
        m.put("server_name", h.serverName());
        m.put("access_log", map(h.accessLog(), ConfigJson::accessLog));
        if (h.tracing() != null) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("enabled", h.tracing().enabled());
            putIfNotNull(t, "sampling", h.tracing().sampling());
            m.put("tracing", t);
        }
        return m;
    }

    private static Map<String, Object> filter(FilterConfig f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", f.name());
        m.put("config", f.config());
        m.put("fail_policy", f.failPolicy().name().toLowerCase(Locale.ROOT));
        m.put("disabled", f.disabled());
        if (!f.callbackTimeout().isZero()) {
            m.put("callback_timeout", f.callbackTimeout().toMillis() + "ms");
        }
        return m;
    }

    private static Map<String, Object> overrides(Map<String, FilterOverride> o) {
        Map<String, Object> m = new LinkedHashMap<>();
        o.forEach(
                (name, ov) ->
                        m.put(
                                name,
                                ov.config() != null
                                        ? Map.of("config", ov.config())
                                        : Map.of("disabled", ov.disabled())));
        return m;
    }

    private static Map<String, Object> accessLog(AccessLogConfig a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", a.path());
        m.put("format", a.format().name().toLowerCase(Locale.ROOT));
        if (a.textFormat() != null) {
            m.put("text_format", a.textFormat().source());
        }
        return m;
    }

    private static Map<String, Object> virtualHost(VirtualHost v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", v.name());
        m.put("domains", v.domains());
        m.put("routes", map(v.routes(), ConfigJson::route));
        m.put("request_headers", mutations(v.requestHeaders()));
        m.put("response_headers", mutations(v.responseHeaders()));
        if (!v.perFilterConfig().isEmpty()) {
            m.put("per_filter_config", overrides(v.perFilterConfig()));
        }
        return m;
    }

    private static Map<String, Object> route(Route r) {
        Map<String, Object> m = new LinkedHashMap<>();
        putIfNotNull(m, "name", r.name());
        m.put("match", match(r.match()));
        if (r.action() instanceof Forward f) {
            m.put("route", forward(f));
        } else if (r.action() instanceof Redirect rd) {
            m.put("redirect", redirect(rd));
        } else if (r.action() instanceof DirectResponse d) {
            Map<String, Object> dr = new LinkedHashMap<>();
            dr.put("status", d.status());
            dr.put("body", d.body());
            m.put("direct_response", dr);
        }
        m.put("request_headers", mutations(r.requestHeaders()));
        m.put("response_headers", mutations(r.responseHeaders()));
        if (!r.perFilterConfig().isEmpty()) {
            m.put("per_filter_config", overrides(r.perFilterConfig()));
        }
        return m;
    }

    private static Map<String, Object> match(Match x) {
        Map<String, Object> m = new LinkedHashMap<>();
        putIfNotNull(m, "prefix", x.prefix());
        putIfNotNull(m, "path", x.path());
        putIfNotNull(m, "safe_regex", x.safeRegex() == null ? null : x.safeRegex().pattern());
        m.put("case_sensitive", x.caseSensitive());
        m.put("headers", map(x.headers(), ConfigJson::headerMatcher));
        m.put("query_parameters", map(x.queryParameters(), ConfigJson::queryMatcher));
        m.put("methods", x.methods());
        return m;
    }

    private static Map<String, Object> headerMatcher(HeaderMatcher h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", h.name());
        boolean secret = isSensitive(h.name());
        putIfNotNull(m, "exact", secret && h.exact() != null ? REDACTED : h.exact());
        putIfNotNull(m, "prefix", secret && h.prefix() != null ? REDACTED : h.prefix());
        putIfNotNull(
                m, "regex", h.regex() == null ? null : secret ? REDACTED : h.regex().pattern());
        putIfNotNull(m, "present", h.present());
        m.put("invert", h.invert());
        return m;
    }

    private static Map<String, Object> queryMatcher(QueryParameterMatcher q) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", q.name());
        boolean secret = isSensitive(q.name());
        putIfNotNull(m, "exact", secret && q.exact() != null ? REDACTED : q.exact());
        putIfNotNull(m, "prefix", secret && q.prefix() != null ? REDACTED : q.prefix());
        putIfNotNull(
                m, "regex", q.regex() == null ? null : secret ? REDACTED : q.regex().pattern());
        putIfNotNull(m, "present", q.present());
        return m;
    }

    private static Map<String, Object> forward(Forward f) {
        Map<String, Object> m = new LinkedHashMap<>();
        putIfNotNull(m, "cluster", f.cluster());
        if (!f.weightedClusters().isEmpty()) {
            m.put("weighted_clusters", map(f.weightedClusters(), ConfigJson::weightedCluster));
        }
        m.put("timeout", duration(f.timeout()));
        putIfNotNull(m, "prefix_rewrite", f.prefixRewrite());
        putIfNotNull(m, "host_rewrite", f.hostRewrite());
        return m;
    }

    private static Map<String, Object> weightedCluster(WeightedCluster w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", w.name());
        m.put("weight", w.weight());
        return m;
    }

    private static Map<String, Object> redirect(Redirect r) {
        Map<String, Object> m = new LinkedHashMap<>();
        putIfNotNull(m, "scheme_redirect", r.schemeRedirect());
        putIfNotNull(m, "host_redirect", r.hostRedirect());
        if (r.portRedirect() != 0) {
            m.put("port_redirect", r.portRedirect());
        }
        putIfNotNull(m, "path_redirect", r.pathRedirect());
        putIfNotNull(m, "prefix_rewrite", r.prefixRewrite());
        m.put("response_code", r.responseCode());
        m.put("strip_query", r.stripQuery());
        return m;
    }

    private static Map<String, Object> mutations(HeaderMutations h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("add", h.add());
        m.put("set", h.set());
        m.put("remove", h.remove());
        return m;
    }

    private static Map<String, Object> cluster(ClusterConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.name());
        m.put("connect_timeout", duration(c.connectTimeout()));
        m.put("lb_policy", c.lbPolicy().name().toLowerCase(Locale.ROOT));
        List<Object> endpoints = new ArrayList<>();
        for (HostPort e : c.endpoints()) {
            endpoints.add(Map.of("address", e.toString()));
        }
        m.put("endpoints", endpoints);
        m.put("max_connections_per_endpoint", c.maxConnectionsPerEndpoint());
        m.put("idle_timeout", duration(c.idleTimeout()));
        m.put("dns_refresh_rate", duration(c.dnsRefreshRate()));
        m.put("max_pending_requests", c.maxPendingRequests());
        return m;
    }

    private static <T> List<Object> map(List<T> items, java.util.function.Function<T, ?> f) {
        List<Object> out = new ArrayList<>(items.size());
        for (T t : items) {
            out.add(f.apply(t));
        }
        return out;
    }

    private static String duration(Duration d) {
        return d == null ? null : ConfigValues.formatDuration(d);
    }

    private static void putIfNotNull(Map<String, Object> m, String key, Object value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    // ---- the JSON writer

    private static void write(StringBuilder b, Object v, int depth) {
        if (v instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                b.append("{}");
                return;
            }
            b.append('{');
            String sep = "\n";
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = String.valueOf(e.getKey());
                b.append(sep);
                indent(b, depth + 1);
                string(b, key);
                b.append(": ");
                write(b, isSensitive(key) ? REDACTED : e.getValue(), depth + 1);
                sep = ",\n";
            }
            b.append('\n');
            indent(b, depth);
            b.append('}');
        } else if (v instanceof Collection<?> list) {
            if (list.isEmpty()) {
                b.append("[]");
                return;
            }
            b.append('[');
            String sep = "\n";
            for (Object o : list) {
                b.append(sep);
                indent(b, depth + 1);
                write(b, o, depth + 1);
                sep = ",\n";
            }
            b.append('\n');
            indent(b, depth);
            b.append(']');
        } else if (v == null) {
            b.append("null");
        } else if (v instanceof Boolean
                || v instanceof Integer
                || v instanceof Long
                || v instanceof java.math.BigInteger) {
            b.append(v);
        } else if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
            b.append(n);
        } else if (v instanceof byte[] bytes) {
            string(b, Base64.getEncoder().encodeToString(bytes));
        } else {
            string(b, v.toString());
        }
    }

    private static void indent(StringBuilder b, int depth) {
        b.append("  ".repeat(depth));
    }

    /** {@code s} as a JSON string literal, or {@code null} for null. */
    public static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(s.length() + 2);
        string(b, s);
        return b.toString();
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
