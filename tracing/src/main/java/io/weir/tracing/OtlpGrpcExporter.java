package io.weir.tracing;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * OTLP/gRPC ({@code opentelemetry.proto.collector.trace.v1.TraceService/Export}, Jaeger's and the
 * Collector's 4317): the request written by {@link OtlpEncoder} from Weir's spans, sent as one
 * uncompressed gRPC message by a {@link GrpcPoster} over HTTP/2 (cleartext with prior knowledge for
 * {@code http://}, TLS with ALPN h2 for {@code https://}). The export succeeded when the answer is
 * HTTP 200 with {@code grpc-status: 0} in its trailers (or its headers, for a trailers-only
 * answer); anything else, or no answer within the export timeout, is a failure the {@link
 * SpanPipeline} counts. A failed batch is not retried.
 *
 * <p>Threading: {@link #export} and {@link #exportBlocks} run on the export thread only and block
 * for at most the export timeout; {@code export} accepts only {@link RecordedSpan}s.
 */
final class OtlpGrpcExporter implements SpanExporter, BlockExporter {
    static final String PATH = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

    final GrpcPoster poster; // package-private for the tests
    private final OtlpEncoder encoder;
    private final ExportOutage outage;

    OtlpGrpcExporter(
            String endpoint, Duration timeout, Resource resource, InstrumentationScopeInfo scope) {
        String base =
                endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        URI uri = URI.create(base);
        this.poster = new GrpcPoster(uri, PATH, "application/grpc", timeout);
        this.encoder = new OtlpEncoder(resource, scope);
        this.outage = new ExportOutage(base + PATH);
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        encoder.encode(spans);
        return send();
    }

    @Override
    public CompletableResultCode exportBlocks(List<SpanBlock> blocks) {
        encoder.encodeBlocks(blocks);
        return send();
    }

    /** Sends the encoder's request as one gRPC message. */
    private CompletableResultCode send() {
        String problem;
        try {
            GrpcPoster.Answer a = poster.call(encoder.buffer(), 0, encoder.length());
            if (a.httpStatus() == 200 && "0".equals(a.grpcStatus())) {
                return outage.succeeded();
            }
            problem =
                    "answered HTTP "
                            + a.httpStatus()
                            + (a.grpcStatus() == null
                                    ? ", no grpc-status"
                                    : ", grpc-status " + a.grpcStatus())
                            + (a.grpcMessage() == null ? "" : " (" + a.grpcMessage() + ")");
        } catch (IOException e) {
            problem = e.toString();
        }
        return outage.failed(problem);
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        poster.close();
        return CompletableResultCode.ofSuccess();
    }
}
