package io.weir.distro.tracing;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The spans an OTLP receiver (HTTP or gRPC) decoded from {@code ExportTraceServiceRequest}s,
 * flattened, with waits for a trace to arrive. Thread-safe: receivers add from their own threads.
 */
final class ReceivedSpans {
    /** One received span, flattened: ids in hex, attributes as strings. */
    record Received(
            String service,
            String name,
            Span.SpanKind kind,
            String traceId,
            String spanId,
            String parentSpanId,
            Map<String, String> attributes,
            boolean error,
            long startNanos,
            long endNanos) {}

    private final List<Received> spans = new ArrayList<>();

    synchronized void add(ExportTraceServiceRequest req) {
        for (ResourceSpans rs : req.getResourceSpansList()) {
            String service = attributes(rs.getResource().getAttributesList()).get("service.name");
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (Span s : ss.getSpansList()) {
                    spans.add(
                            new Received(
                                    service,
                                    s.getName(),
                                    s.getKind(),
                                    hex(s.getTraceId().toByteArray()),
                                    hex(s.getSpanId().toByteArray()),
                                    hex(s.getParentSpanId().toByteArray()),
                                    attributes(s.getAttributesList()),
                                    s.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR,
                                    s.getStartTimeUnixNano(),
                                    s.getEndTimeUnixNano()));
                }
            }
        }
        notifyAll();
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static Map<String, String> attributes(List<KeyValue> kvs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (KeyValue kv : kvs) {
            AnyValue v = kv.getValue();
            m.put(
                    kv.getKey(),
                    switch (v.getValueCase()) {
                        case INT_VALUE -> Long.toString(v.getIntValue());
                        case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
                        case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
                        default -> v.getStringValue();
                    });
        }
        return m;
    }

    /** The spans of {@code traceId} once there are at least {@code n} (waits up to 10 s). */
    synchronized List<Received> awaitTrace(String traceId, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<Received> t = trace(traceId);
            long left = deadline - System.nanoTime();
            if (t.size() >= n || left <= 0) {
                if (t.size() < n) {
                    throw new AssertionError(
                            "trace " + traceId + " has " + t.size() + " spans: " + spans);
                }
                return t;
            }
            wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
    }

    synchronized List<Received> trace(String traceId) {
        return spans.stream().filter(s -> s.traceId().equals(traceId)).toList();
    }

    synchronized List<Received> all() {
        return List.copyOf(spans);
    }
}
