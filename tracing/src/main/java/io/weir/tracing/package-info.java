/**
 * Weir's tracer: the tracing SPI ({@link io.weir.spi.tracing}) implemented with spans Weir records
 * itself ({@link io.weir.tracing.RecordedSpan}: no per-span lock, map or context) and
 * OpenTelemetry's exporters. Spans are sampled parent-based with a trace-id ratio (a force header
 * overrides), batched by a bounded queue ({@link io.weir.tracing.SpanPipeline}; for OTLP, each
 * worker encodes its spans into its own lane, handed over a batch at a time) and exported off the
 * workers by OTLP/gRPC or OTLP/HTTP (Weir's encoder, {@link io.weir.tracing.OtlpEncoder}, sent by
 * blocking JDK-only clients on the export thread: {@link io.weir.tracing.GrpcPoster} over HTTP/2,
 * {@link io.weir.tracing.HttpPoster} over HTTP/1.1) or Zipkin v2 JSON (the SDK's exporter); W3C
 * trace context, B3 (single and multi header) and Jaeger's {@code uber-trace-id} are read and
 * written. Dropped spans and failed exports are counted in Weir's stats ({@code
 * weir_tracing_spans_dropped_total}, {@code weir_tracing_export_failures_total}).
 *
 * <pre>{@code
 * tracing:
 *   service_name: weir
 *   sampling: 0.1
 *   propagation: [w3c, b3]
 *   exporter:
 *     otlp: { endpoint: http://127.0.0.1:4317, protocol: grpc }
 * }</pre>
 */
package io.weir.tracing;
