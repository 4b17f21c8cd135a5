package io.weir.kernel.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Binds and checks the top-level {@code tracing:} block into a {@link TracingConfig}. */
final class TracingBinder {
    static final String DEFAULT_SERVICE_NAME = "weir";
    static final List<String> PROPAGATIONS = List.of("w3c", "b3", "jaeger");
    static final List<String> OTLP_PROTOCOLS = List.of("grpc", "http");
    static final int DEFAULT_MAX_QUEUE_SIZE = 2048;
    static final int DEFAULT_MAX_EXPORT_BATCH_SIZE = 512;
    static final Duration DEFAULT_SCHEDULE_DELAY = Duration.ofSeconds(1);
    static final Duration DEFAULT_EXPORT_TIMEOUT = Duration.ofSeconds(10);

    private TracingBinder() {}

    /** The config, or null when the block is absent (or too broken to bind). */
    static TracingConfig bind(Node n) {
        Node.Struct s =
                n.struct(
                        "service_name",
                        "sampling",
                        "propagation",
                        "force_sample_header",
                        "filter_spans",
                        "exporter",
                        "batch");
        if (s == null) {
            return null;
        }
        Node nameNode = s.get("service_name");
        String serviceName = nameNode.isPresent() ? nameNode.requiredString() : null;
        if (serviceName == null) {
            serviceName = DEFAULT_SERVICE_NAME;
        }
        double sampling = s.get("sampling").numberInRange(0, 1, 1.0);
        List<String> propagation = propagation(s.get("propagation"));
        String force = forceHeader(s.get("force_sample_header"));
        boolean filterSpans = s.get("filter_spans").bool(false);
        TracingConfig.Exporter exporter = exporter(s.get("exporter"));
        TracingConfig.Batch batch = batch(s.get("batch"));
        return new TracingConfig(
                serviceName,
                sampling,
                propagation,
                force,
                filterSpans,
                exporter,
                batch,
                n.rawCopy());
    }

    private static List<String> propagation(Node n) {
        if (!n.isPresent()) {
            return List.of("w3c");
        }
        List<String> out = new ArrayList<>();
        for (Node p : n.nonEmptyList()) {
            String v = p.oneOf(PROPAGATIONS, null);
            if (v == null) {
                if (!p.isPresent()) {
                    p.missing("a string");
                }
                continue;
            }
            if (out.contains(v)) {
                p.error("duplicate propagation " + Node.quote(v));
                continue;
            }
            out.add(v);
        }
        return List.copyOf(out);
    }

    private static String forceHeader(Node n) {
        if (!n.isPresent()) {
            return null;
        }
        String h = n.requiredString();
        if (h == null) {
            return null;
        }
        if (!io.weir.kernel.http1.Http1Parser.isToken(h)) {
            n.error("invalid header name " + Node.quote(h));
            return null;
        }
        return h.toLowerCase(Locale.ROOT);
    }

    private static TracingConfig.Exporter exporter(Node n) {
        Node.Struct s = n.requiredStruct("otlp", "zipkin");
        if (s == null) {
            return null;
        }
        Node otlp = s.get("otlp");
        Node zipkin = s.get("zipkin");
        if (otlp.isPresent() == zipkin.isPresent()) {
            n.error("expected exactly one of: otlp, zipkin");
            return null;
        }
        if (zipkin.isPresent()) {
            Node.Struct z = zipkin.requiredStruct("endpoint");
            String endpoint = z == null ? null : endpoint(z.get("endpoint"), true);
            return endpoint == null ? null : new TracingConfig.Exporter("zipkin", endpoint, null);
        }
        Node.Struct o = otlp.requiredStruct("endpoint", "protocol");
        if (o == null) {
            return null;
        }
        String protocol = o.get("protocol").oneOf(OTLP_PROTOCOLS, "grpc");
        String endpoint = endpoint(o.get("endpoint"), false);
        if (endpoint == null && !o.get("endpoint").isPresent()) {
            endpoint =
                    protocol.equals("grpc")
                            ? "http://127.0.0.1:4317"
                            : "http://127.0.0.1:4318/v1/traces";
        }
        return endpoint == null ? null : new TracingConfig.Exporter("otlp", endpoint, protocol);
    }

    /** An absolute {@code http://} or {@code https://} URL. */
    private static String endpoint(Node n, boolean required) {
        if (!n.isPresent()) {
            if (required) {
                n.error("required");
            }
            return null;
        }
        String text = n.requiredString();
        if (text == null) {
            return null;
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (java.net.URISyntaxException e) {
            uri = null;
        }
        if (uri == null
                || uri.getHost() == null
                || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            n.error(
                    "invalid endpoint "
                            + Node.quote(text)
                            + " (expected an http:// or https:// URL)");
            return null;
        }
        return text;
    }

    private static TracingConfig.Batch batch(Node n) {
        Node.Struct s =
                n.struct(
                        "max_queue_size",
                        "max_export_batch_size",
                        "schedule_delay",
                        "export_timeout");
        if (s == null) {
            return new TracingConfig.Batch(
                    DEFAULT_MAX_QUEUE_SIZE,
                    DEFAULT_MAX_EXPORT_BATCH_SIZE,
                    DEFAULT_SCHEDULE_DELAY,
                    DEFAULT_EXPORT_TIMEOUT);
        }
        int queue = s.get("max_queue_size").intAtLeast(1, DEFAULT_MAX_QUEUE_SIZE);
        Node batchNode = s.get("max_export_batch_size");
        int batch = batchNode.intAtLeast(1, Math.min(DEFAULT_MAX_EXPORT_BATCH_SIZE, queue));
        if (batch > queue) {
            batchNode.error("must be <= max_queue_size " + queue + " (was " + batch + ")");
            batch = queue;
        }
        Duration delay = s.get("schedule_delay").duration(DEFAULT_SCHEDULE_DELAY, false);
        Duration timeout = s.get("export_timeout").duration(DEFAULT_EXPORT_TIMEOUT, false);
        return new TracingConfig.Batch(queue, batch, delay, timeout);
    }
}
