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
     * Sends one request holding the spans of {@code blocks}, in order. The result may complete
     * later, in {@link #settle} (the answer is read then): the blocks are read until it completes
     * and their buffers reused for new spans after that.
     */
    CompletableResultCode exportBlocks(List<SpanBlock> blocks);

    /**
     * Completes the result of the last {@link #exportBlocks} when it is still open, waiting for its
     * answer at most until that export's time limit; does nothing when none is open. Every {@code
     * exportBlocks} and shutdown settles the one before first.
     */
    default void settle() {}

    /** Whether the result of the last {@link #exportBlocks} is still open. */
    default boolean unsettled() {
        return false;
    }
}
