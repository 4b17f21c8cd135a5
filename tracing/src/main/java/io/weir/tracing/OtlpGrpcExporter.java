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
 * <p>{@link #exportBlocks} returns once its call is sent; its answer is read by the next export, or
 * by {@link #settle} (the {@link SpanPipeline} calls it when no batch follows soon).
 *
 * <p>Threading: one thread at a time (the export thread; at close, the thread closing the pipeline
 * after it); a call blocks for at most the export timeout. {@code export} accepts only {@link
 * RecordedSpan}s.
 */
final class OtlpGrpcExporter implements SpanExporter, BlockExporter {
    static final String PATH = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

    final GrpcPoster poster; // package-private for the tests
    private final OtlpEncoder encoder;
    private final ExportOutage outage;

    /** The result of the call whose answer is not read yet, or null. */
    private CompletableResultCode open;

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
        settle();
        encoder.encode(spans);
        CompletableResultCode r = send();
        settle(); // this path waits for its answer
        return r;
    }

    /**
     * Sends the call and returns before its answer: the result completes when {@link #settle} reads
     * it, which the next export does first (see {@link HttpPoster#send}).
     */
    @Override
    public CompletableResultCode exportBlocks(List<SpanBlock> blocks) {
        settle();
        encoder.encodeBlocks(blocks); // the message stays in the encoder until its answer
        return send();
    }

    /** Sends the encoder's request as one gRPC message; the answer stays open. */
    private CompletableResultCode send() {
        try {
            poster.send(encoder.buffer(), 0, encoder.length());
        } catch (IOException e) {
            return outage.failed(e.toString());
        }
        open = new CompletableResultCode();
        return open;
    }

    @Override
    public void settle() {
        CompletableResultCode r = open;
        if (r == null) {
            return;
        }
        open = null;
        String problem;
        try {
            GrpcPoster.Answer a = poster.answer();
            problem =
                    a.httpStatus() == 200 && "0".equals(a.grpcStatus())
                            ? null
                            : "answered HTTP "
                                    + a.httpStatus()
                                    + (a.grpcStatus() == null
                                            ? ", no grpc-status"
                                            : ", grpc-status " + a.grpcStatus())
                                    + (a.grpcMessage() == null ? "" : " (" + a.grpcMessage() + ")");
        } catch (IOException e) {
            problem = e.toString();
        }
        outage.complete(r, problem);
    }

    @Override
    public boolean unsettled() {
        return open != null;
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        settle();
        poster.close();
        return CompletableResultCode.ofSuccess();
    }
}
