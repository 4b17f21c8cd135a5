package io.weir.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.exporter.zipkin.ZipkinSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.weir.spi.ConfigNode;
import io.weir.spi.Metrics;
import io.weir.spi.tracing.Tracer;
import io.weir.spi.tracing.TracerProvider;
import java.net.URI;

/** Weir's {@link TracerProvider}: the OpenTelemetry SDK. Registered for ServiceLoader. */
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
        ExportQueue queue = new ExportQueue(s.maxQueueSize(), metrics);
        BatchSpanProcessor batch =
                BatchSpanProcessor.builder(queue.new Exporter(exporter(s)))
                        .setMaxQueueSize(s.maxQueueSize())
                        .setMaxExportBatchSize(s.maxExportBatchSize())
                        .setScheduleDelay(s.scheduleDelay())
                        .setExporterTimeout(s.exportTimeout())
                        .build();
        Resource resource =
                Resource.getDefault()
                        .merge(Resource.create(Attributes.of(SERVICE_NAME, s.serviceName())));
        SdkTracerProvider sdk =
                SdkTracerProvider.builder()
                        .setResource(resource)
                        .setSampler(
                                new ForceSampler(
                                        Sampler.parentBased(
                                                Sampler.traceIdRatioBased(s.sampling()))))
                        .addSpanProcessor(queue.new Processor(batch))
                        .build();
        return new OtelTracer(sdk, s);
    }

    private static SpanExporter exporter(TracingSettings s) {
        if (s.exporter().equals("zipkin")) {
            return ZipkinSpanExporter.builder()
                    .setSender(new ZipkinSender(URI.create(s.endpoint()), s.exportTimeout()))
                    .build();
        }
        if (s.protocol().equals("http")) {
            return OtlpHttpSpanExporter.builder()
                    .setEndpoint(s.endpoint())
                    .setTimeout(s.exportTimeout())
                    .build();
        }
        return OtlpGrpcSpanExporter.builder()
                .setEndpoint(s.endpoint())
                .setTimeout(s.exportTimeout())
                .build();
    }
}
