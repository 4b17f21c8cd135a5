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
 * OTLP/HTTP with protobuf ({@code POST /v1/traces}, {@code application/x-protobuf}): the request
 * written by {@link OtlpEncoder} from Weir's spans, posted by an {@link HttpPoster} (HTTP/1.1,
 * keep-alive; {@code https://} endpoints use TLS). A 2xx answer is a success, anything else or no
 * answer within the export timeout a failure (the {@link SpanPipeline} counts it).
 *
 * <p>Threading: {@link #export} and {@link #exportBlocks} run on the export thread only and block
 * for at most the export timeout; {@code export} accepts only {@link RecordedSpan}s.
 */
final class OtlpHttpExporter implements SpanExporter, BlockExporter {

    private final HttpPoster poster;
    private final OtlpEncoder encoder;
    private final ExportOutage outage;

    OtlpHttpExporter(
            URI endpoint, Duration timeout, Resource resource, InstrumentationScopeInfo scope) {
        this.poster = new HttpPoster(endpoint, "application/x-protobuf", timeout);
        this.encoder = new OtlpEncoder(resource, scope);
        this.outage = new ExportOutage(endpoint);
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        encoder.encode(spans);
        return post(List.of());
    }

    @Override
    public CompletableResultCode exportBlocks(List<SpanBlock> blocks) {
        encoder.encodeEnvelope(blocks); // the blocks go out from the workers' buffers
        return post(blocks);
    }

    /** Posts the encoder's request, or its start and then {@code blocks}. */
    private CompletableResultCode post(List<SpanBlock> blocks) {
        String problem;
        try {
            int status = poster.post(encoder.buffer(), encoder.length(), blocks);
            if (status / 100 == 2) {
                return outage.succeeded();
            }
            problem = "answered " + status;
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
