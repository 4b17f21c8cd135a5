package io.weir.tracing;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;

/**
 * OTLP/HTTP with protobuf ({@code POST /v1/traces}, {@code application/x-protobuf}): the request
 * written by {@link OtlpEncoder} from Weir's spans, posted with the JDK's HTTP client (HTTP/1.1,
 * keep-alive; {@code https://} endpoints use TLS). A 2xx answer is a success, anything else or no
 * answer within the export timeout a failure (the {@link SpanPipeline} counts it).
 *
 * <p>Threading: {@link #export} runs on the export thread only and blocks for at most the export
 * timeout; it accepts only {@link RecordedSpan}s.
 */
final class OtlpHttpExporter implements SpanExporter {

    private final URI endpoint;
    private final Duration timeout;
    private final HttpClient client;
    private final OtlpEncoder encoder;
    private final ExportOutage outage;

    OtlpHttpExporter(
            URI endpoint, Duration timeout, Resource resource, InstrumentationScopeInfo scope) {
        this.endpoint = endpoint;
        this.timeout = timeout;
        this.client =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(timeout)
                        .build();
        this.encoder = new OtlpEncoder(resource, scope);
        this.outage = new ExportOutage(endpoint);
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        encoder.encode(spans);
        HttpRequest req =
                HttpRequest.newBuilder(endpoint)
                        .timeout(timeout)
                        .header("content-type", "application/x-protobuf")
                        .POST(
                                HttpRequest.BodyPublishers.ofByteArray(
                                        encoder.buffer(), 0, encoder.length()))
                        .build();
        String problem;
        try {
            HttpResponse<Void> res = client.send(req, HttpResponse.BodyHandlers.discarding());
            if (res.statusCode() / 100 == 2) {
                return outage.succeeded();
            }
            problem = "answered " + res.statusCode();
        } catch (IOException e) {
            problem = e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problem = "interrupted";
        }
        return outage.failed(problem);
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
    }
}
