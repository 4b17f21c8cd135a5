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
 * <p>{@link #exportBlocks} returns once its request is written; its answer is read by the next
 * export, or by {@link #settle} (the {@link SpanPipeline} calls it when no batch follows soon).
 *
 * <p>Threading: one thread at a time (the export thread; at close, the thread closing the pipeline
 * after it); a call blocks for at most the export timeout. {@code export} accepts only {@link
 * RecordedSpan}s.
 */
final class OtlpHttpExporter implements SpanExporter, BlockExporter {

    private final HttpPoster poster;
    private final OtlpEncoder encoder;
    private final ExportOutage outage;

    /** The result of the request whose answer is not read yet, or null. */
    private CompletableResultCode open;

    OtlpHttpExporter(
            URI endpoint, Duration timeout, Resource resource, InstrumentationScopeInfo scope) {
        this.poster = new HttpPoster(endpoint, "application/x-protobuf", timeout);
        this.encoder = new OtlpEncoder(resource, scope);
        this.outage = new ExportOutage(endpoint);
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        settle();
        encoder.encode(spans);
        CompletableResultCode r = send(List.of());
        settle(); // this path waits for its answer
        return r;
    }

    /**
     * Writes the request and returns before its answer: the result completes when {@link #settle}
     * reads it, which the next export does first (see {@link HttpPoster#send}).
     */
    @Override
    public CompletableResultCode exportBlocks(List<SpanBlock> blocks) {
        settle();
        encoder.encodeEnvelope(blocks); // the blocks go out from the workers' buffers
        return send(blocks);
    }

    /**
     * Writes the encoder's request, or its start and then {@code blocks}; the answer stays open.
     */
    private CompletableResultCode send(List<SpanBlock> blocks) {
        try {
            poster.send(encoder.buffer(), encoder.length(), blocks);
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
            int status = poster.answer();
            problem = status / 100 == 2 ? null : "answered " + status;
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
