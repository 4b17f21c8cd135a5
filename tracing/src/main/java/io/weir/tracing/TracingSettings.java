package io.weir.tracing;

import io.weir.spi.ConfigNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code tracing:} block as this tracer uses it. The kernel has checked the block already;
 * reading it again through {@link ConfigNode} reports anything still wrong with its path.
 */
record TracingSettings(
        String serviceName,
        double sampling,
        List<String> propagation,
        String forceSampleHeader,
        String exporter,
        String endpoint,
        String protocol,
        int maxQueueSize,
        int maxExportBatchSize,
        Duration scheduleDelay,
        Duration exportTimeout) {

    static TracingSettings read(ConfigNode n) {
        String service = n.get("service_name").asString("weir");
        double sampling = n.get("sampling").asDouble(1.0, 0, 1);
        List<String> propagation = new ArrayList<>();
        for (ConfigNode p : n.get("propagation").list()) {
            String v = p.asEnum(null, "w3c", "b3", "jaeger");
            if (v != null && !propagation.contains(v)) {
                propagation.add(v);
            }
        }
        if (propagation.isEmpty()) {
            propagation.add("w3c");
        }
        String force = n.get("force_sample_header").asString(null);
        ConfigNode exp = n.get("exporter");
        String exporter;
        String endpoint;
        String protocol = null;
        if (!exp.get("zipkin").isMissing()) {
            exporter = "zipkin";
            endpoint = exp.get("zipkin").get("endpoint").requireString();
        } else if (!exp.get("otlp").isMissing()) {
            exporter = "otlp";
            ConfigNode o = exp.get("otlp");
            protocol = o.get("protocol").asEnum("grpc", "grpc", "http");
            endpoint =
                    o.get("endpoint")
                            .asString(
                                    protocol.equals("grpc")
                                            ? "http://127.0.0.1:4317"
                                            : "http://127.0.0.1:4318/v1/traces");
        } else {
            exp.error("expected exactly one of: otlp, zipkin");
            return null;
        }
        ConfigNode b = n.get("batch");
        int queue = b.get("max_queue_size").asInt(2048, 1, Integer.MAX_VALUE);
        int batch = b.get("max_export_batch_size").asInt(Math.min(512, queue), 1, queue);
        Duration delay = b.get("schedule_delay").asDuration(Duration.ofSeconds(1));
        Duration timeout = b.get("export_timeout").asDuration(Duration.ofSeconds(10));
        return new TracingSettings(
                service,
                sampling,
                List.copyOf(propagation),
                force == null ? null : force.toLowerCase(Locale.ROOT),
                exporter,
                endpoint,
                protocol,
                queue,
                batch,
                delay,
                timeout);
    }
}
