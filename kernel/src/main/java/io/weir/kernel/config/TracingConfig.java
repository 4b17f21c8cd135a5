package io.weir.kernel.config;

import java.time.Duration;
import java.util.List;

/**
 * YAML {@code tracing:} (absent: no tracing at all). Checked by {@link TracingBinder}; the raw
 * block is kept for the tracer implementation, which reads it through the SPI's {@code ConfigNode}.
 *
 * @param serviceName the {@code service.name} of Weir's spans
 * @param sampling the ratio of new traces sampled, 0..1 (a parent's decision wins)
 * @param propagation the header formats read and written, in order: {@code w3c}, {@code b3}, {@code
 *     jaeger}
 * @param forceSampleHeader a request header whose presence samples the request, or null
 * @param filterSpans whether each filter gets an INTERNAL child span
 * @param exporter where spans go
 * @param batch the batch span processor's limits
 * @param raw the block as YAML gave it (an unmodifiable deep copy)
 */
public record TracingConfig(
        String serviceName,
        double sampling,
        List<String> propagation,
        String forceSampleHeader,
        boolean filterSpans,
        Exporter exporter,
        Batch batch,
        Object raw) {

    /** {@code exporter: {otlp: {endpoint, protocol}}} or {@code exporter: {zipkin: {endpoint}}}. */
    public record Exporter(String kind, String endpoint, String protocol) {}

    /** {@code batch:} of the span processor. */
    public record Batch(
            int maxQueueSize,
            int maxExportBatchSize,
            Duration scheduleDelay,
            Duration exportTimeout) {}

    /** Whether two configs are the same block (a reload cannot change tracing). */
    public boolean sameAs(TracingConfig other) {
        return other != null && java.util.Objects.equals(raw, other.raw);
    }
}
