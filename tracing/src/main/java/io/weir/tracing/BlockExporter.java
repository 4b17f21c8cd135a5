package io.weir.tracing;

import io.opentelemetry.sdk.common.CompletableResultCode;
import java.util.List;

/**
 * An exporter that sends spans the workers have already encoded as OTLP ({@link SpanBlock}s): the
 * {@link SpanPipeline} then encodes each span as it ends and hands whole blocks to the export
 * thread. Called on the export thread only.
 */
interface BlockExporter {
    /**
     * Sends one request holding the spans of {@code blocks}, in order. Reads the blocks only until
     * it returns: their buffers are then reused for new spans.
     */
    CompletableResultCode exportBlocks(List<SpanBlock> blocks);
}
