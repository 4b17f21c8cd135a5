package io.weir.tracing;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * OTLP/gRPC ({@code opentelemetry.proto.collector.trace.v1.TraceService/Export}, Jaeger's and the
 * Collector's 4317): the request written by {@link OtlpEncoder} from Weir's spans, framed as one
 * uncompressed gRPC message (a zero flag byte and a 4-byte big-endian length) and posted with
 * OkHttp over HTTP/2: cleartext with prior knowledge for {@code http://}, TLS (ALPN h2) for {@code
 * https://}. The export succeeded when the answer is HTTP 200 with {@code grpc-status: 0} in its
 * trailers (or its headers, for a trailers-only answer); anything else, or no answer within the
 * export timeout, is a failure the {@link SpanPipeline} counts. A failed batch is not retried.
 *
 * <p>Threading: {@link #export} runs on the export thread only and blocks for at most the export
 * timeout; it accepts only {@link RecordedSpan}s.
 */
final class OtlpGrpcExporter implements SpanExporter, BlockExporter {
    static final String PATH = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
    private static final MediaType GRPC = MediaType.get("application/grpc");

    private final String url;
    final OkHttpClient client; // package-private for the tests
    private final OtlpEncoder encoder;
    private byte[] frame = new byte[64 * 1024];
    private final ExportOutage outage;

    OtlpGrpcExporter(
            String endpoint, Duration timeout, Resource resource, InstrumentationScopeInfo scope) {
        String base =
                endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        this.url = base + PATH;
        this.client =
                new OkHttpClient.Builder()
                        .protocols(
                                base.startsWith("https:")
                                        ? List.of(Protocol.HTTP_2, Protocol.HTTP_1_1)
                                        : List.of(Protocol.H2_PRIOR_KNOWLEDGE))
                        .connectTimeout(timeout)
                        .callTimeout(timeout)
                        .retryOnConnectionFailure(false)
                        .socketFactory(NoDelaySockets.INSTANCE)
                        .build();
        this.encoder = new OtlpEncoder(resource, scope);
        this.outage = new ExportOutage(url);
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
        int n = encoder.length();
        if (frame.length < n + 5) {
            frame = new byte[Math.max(frame.length * 2, n + 5)];
        }
        frame[0] = 0; // not compressed
        frame[1] = (byte) (n >>> 24);
        frame[2] = (byte) (n >>> 16);
        frame[3] = (byte) (n >>> 8);
        frame[4] = (byte) n;
        System.arraycopy(encoder.buffer(), 0, frame, 5, n);
        Request req =
                new Request.Builder()
                        .url(url)
                        .header("te", "trailers")
                        .post(RequestBody.create(frame, GRPC, 0, n + 5))
                        .build();
        String problem;
        try (Response res = client.newCall(req).execute()) {
            res.body().bytes(); // the (empty) ExportTraceServiceResponse; trailers come after it
            String status = res.header("grpc-status");
            if (status == null) {
                status = res.trailers().get("grpc-status");
            }
            if (res.code() == 200 && "0".equals(status)) {
                return outage.succeeded();
            }
            String message = res.header("grpc-message");
            if (message == null && status != null) {
                message = res.trailers().get("grpc-message");
            }
            problem =
                    "answered HTTP "
                            + res.code()
                            + (status == null ? ", no grpc-status" : ", grpc-status " + status)
                            + (message == null ? "" : " (" + message + ")");
        } catch (IOException e) {
            problem = e.toString();
        } catch (RuntimeException e) { // OkHttp's own failures (a bad URL at call time, ...)
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
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
        return CompletableResultCode.ofSuccess();
    }
}
