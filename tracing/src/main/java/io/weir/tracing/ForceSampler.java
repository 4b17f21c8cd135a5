package io.weir.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.List;

/**
 * Samples a span that carries {@link #FORCED} (set when the request has the force header), and
 * otherwise asks {@code delegate}: parent-based, then the trace-id ratio. Thread-safe.
 */
final class ForceSampler implements Sampler {
    static final AttributeKey<Boolean> FORCED = AttributeKey.booleanKey("weir.force_sampled");

    private final Sampler delegate;

    ForceSampler(Sampler delegate) {
        this.delegate = delegate;
    }

    @Override
    public SamplingResult shouldSample(
            Context parentContext,
            String traceId,
            String name,
            SpanKind spanKind,
            Attributes attributes,
            List<LinkData> parentLinks) {
        if (Boolean.TRUE.equals(attributes.get(FORCED))) {
            return SamplingResult.recordAndSample();
        }
        return delegate.shouldSample(
                parentContext, traceId, name, spanKind, attributes, parentLinks);
    }

    @Override
    public String getDescription() {
        return "WeirForceSampler{" + delegate.getDescription() + "}";
    }
}
