package io.weir.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.zipkin.ZipkinSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.weir.spi.ConfigNode;
import io.weir.spi.Metrics;
import io.weir.spi.tracing.Tracer;
import io.weir.spi.tracing.TracerProvider;
import java.net.URI;

/**
 * Weir's {@link TracerProvider}: spans recorded by {@link WeirTracer} and exported by the
 * OpenTelemetry SDK's OTLP (gRPC, HTTP) or Zipkin exporters. Registered for ServiceLoader.
 */
public final class OtelTracerProvider implements TracerProvider {
    static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");

    @Override
    public String name() {
        return "opentelemetry";
    }

    @Override
    public Tracer create(ConfigNode config, Metrics metrics) {
        TracingSettings s = TracingSettings.read(config);
        if (s == null) {
            return null;
        }
        Resource resource =
                Resource.getDefault()
                        .merge(Resource.create(Attributes.of(SERVICE_NAME, s.serviceName())));
        SpanPipeline pipeline =
                new SpanPipeline(
                        exporter(s, resource),
                        s.maxQueueSize(),
                        s.maxExportBatchSize(),
                        s.scheduleDelay(),
                        s.exportTimeout(),
                        metrics);
        return new WeirTracer(s, pipeline, resource);
    }

    private static SpanExporter exporter(TracingSettings s, Resource resource) {
        if (s.exporter().equals("zipkin")) {
            return ZipkinSpanExporter.builder()
                    .setSender(new ZipkinSender(URI.create(s.endpoint()), s.exportTimeout()))
                    .build();
        }
        if (s.protocol().equals("http")) {
            return new OtlpHttpExporter(
                    URI.create(s.endpoint()), s.exportTimeout(), resource, WeirTracer.SCOPE);
        }
        return new OtlpGrpcExporter(s.endpoint(), s.exportTimeout(), resource, WeirTracer.SCOPE);
    }
}
