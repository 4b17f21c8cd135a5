package io.weir.tracing;

import io.opentelemetry.sdk.common.CompletableResultCode;

/**
 * An exporter's answers, logged once when exports start failing and once when they work again, not
 * per batch (the {@link SpanPipeline} counts every failure). Export thread only.
 */
final class ExportOutage {
    private static final System.Logger LOG = System.getLogger("weir.tracing");

    private final Object target;
    private boolean failing;

    ExportOutage(Object target) {
        this.target = target;
    }

    CompletableResultCode succeeded() {
        if (failing) {
            failing = false;
            LOG.log(System.Logger.Level.INFO, "span export to {0} works again", target);
        }
        return CompletableResultCode.ofSuccess();
    }

    /**
     * Completes an export's open result with what its answer said: {@code problem} null for a
     * success, else why it failed (logged as {@link #failed} does).
     */
    void complete(CompletableResultCode open, String problem) {
        if (problem == null) {
            succeeded();
            open.succeed();
        } else {
            failed(problem);
            open.fail();
        }
    }

    CompletableResultCode failed(String problem) {
        if (!failing) {
            failing = true;
            LOG.log(
                    System.Logger.Level.WARNING,
                    "span export to {0} failed: {1} (spans are dropped and counted in"
                            + " weir_tracing_spans_dropped_total until it works again)",
                    target,
                    problem);
        }
        return CompletableResultCode.ofFailure();
    }
}
