package io.weir.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.weir.spi.tracing.SpanKind;
import io.weir.spi.tracing.TraceSpan;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What {@link OtlpEncoder} writes, decoded with opentelemetry-proto's own classes. */
class OtlpEncoderTest {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT = "00f067aa0ba902b7";

    private final TestSupport.Batches out = new TestSupport.Batches();
    private final TestSupport.Counters metrics = new TestSupport.Counters();
    private final WeirTracer tracer =
            TestSupport.tracer(
                    TestSupport.settings(1.0, List.of("w3c"), "x-force"), out, 1000, metrics);

    @AfterEach
    void close() {
        tracer.close();
    }

    private static OtlpEncoder encoder() {
        return new OtlpEncoder(
                Resource.getDefault()
                        .merge(
                                Resource.create(
                                        io.opentelemetry.api.common.Attributes.of(
                                                OtelTracerProvider.SERVICE_NAME, "svc"))),
                InstrumentationScopeInfo.create("io.weir"));
    }

    private static ExportTraceServiceRequest encode(List<SpanData> spans) throws Exception {
        OtlpEncoder e = encoder();
        e.encode(spans);
        return ExportTraceServiceRequest.parseFrom(ByteString.copyFrom(e.buffer(), 0, e.length()));
    }

    /**
     * The same spans as workers' blocks: spans {@code [0, split)} appended by one block encoder,
     * the rest by another (both start with a buffer too small, so they grow), then one request.
     */
    private static ExportTraceServiceRequest encodeBlocks(List<SpanData> spans, int split)
            throws Exception {
        List<SpanBlock> blocks = new ArrayList<>();
        for (List<SpanData> part :
                List.of(spans.subList(0, split), spans.subList(split, spans.size()))) {
            OtlpEncoder w = OtlpEncoder.forBlocks(16);
            for (SpanData s : part) {
                w.appendSpan((RecordedSpan) s);
            }
            int len = w.length();
            blocks.add(new SpanBlock(w.takeBuffer(new byte[16]), len, part.size()));
            assertThat(w.length()).isZero();
        }
        OtlpEncoder e = encoder();
        e.encodeBlocks(blocks);
        return ExportTraceServiceRequest.parseFrom(ByteString.copyFrom(e.buffer(), 0, e.length()));
    }

    private static Map<String, Object> attrs(List<KeyValue> kvs) {
        return kvs.stream()
                .collect(
                        Collectors.toMap(
                                KeyValue::getKey,
                                kv ->
                                        switch (kv.getValue().getValueCase()) {
                                            case STRING_VALUE -> kv.getValue().getStringValue();
                                            case INT_VALUE -> kv.getValue().getIntValue();
                                            case BOOL_VALUE -> kv.getValue().getBoolValue();
                                            case DOUBLE_VALUE -> kv.getValue().getDoubleValue();
                                            default -> kv.getValue().toString();
                                        }));
    }

    private static String hex(ByteString b) {
        return HexFormat.of().formatHex(b.toByteArray());
    }

    @Test
    void aServerAndAClientSpanDecodeWithEveryField() throws Exception {
        Map<String, String> in =
                Map.of(
                        "traceparent", "00-" + TRACE + "-" + PARENT + "-01",
                        "tracestate", "v=1",
                        "x-force", "1");
        TraceSpan server = tracer.startServerSpan("GET", in::get);
        TraceSpan client = server.startChild("GET", SpanKind.CLIENT);
        client.setAttribute("server.port", 8080);
        client.setAttribute("big", Long.MIN_VALUE);
        client.setError("upstream reset: é");
        client.end();
        server.setAttribute("url.path", "/ünïcode/路径");
        server.setAttribute("user_agent.original", "x".repeat(300)); // a two-byte length
        server.setAttribute("http.response.status_code", 200);
        server.end(server.traceId().isEmpty() ? 0 : System.currentTimeMillis() * 1_000_000L);
        List<SpanData> spans = List.of((SpanData) client, (SpanData) server);

        ExportTraceServiceRequest req = encode(spans);
        assertThat(req.getResourceSpansCount()).isEqualTo(1);
        ResourceSpans rs = req.getResourceSpans(0);
        assertThat(attrs(rs.getResource().getAttributesList()))
                .containsEntry("service.name", "svc")
                .containsEntry("telemetry.sdk.language", "java");
        assertThat(rs.getScopeSpansCount()).isEqualTo(1);
        assertThat(rs.getScopeSpans(0).getScope().getName()).isEqualTo("io.weir");
        List<Span> got = rs.getScopeSpans(0).getSpansList();
        assertThat(got).hasSize(2);

        Span c = got.get(0);
        Span s = got.get(1);
        assertThat(hex(s.getTraceId())).isEqualTo(TRACE);
        assertThat(hex(s.getSpanId())).isEqualTo(server.spanId());
        assertThat(hex(s.getParentSpanId())).isEqualTo(PARENT);
        assertThat(s.getTraceState()).isEqualTo("v=1");
        assertThat(s.getName()).isEqualTo("GET");
        assertThat(s.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
        assertThat(s.getStartTimeUnixNano()).isEqualTo(((SpanData) server).getStartEpochNanos());
        assertThat(s.getEndTimeUnixNano()).isEqualTo(((SpanData) server).getEndEpochNanos());
        assertThat(attrs(s.getAttributesList()))
                .containsEntry("url.path", "/ünïcode/路径")
                .containsEntry("user_agent.original", "x".repeat(300))
                .containsEntry("http.response.status_code", 200L)
                .containsEntry("weir.force_sampled", true)
                .hasSize(4);
        assertThat(s.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_UNSET);
        assertThat(s.getFlags()).isEqualTo(0x301); // sampled; parent is remote, and that is known

        assertThat(hex(c.getTraceId())).isEqualTo(TRACE);
        assertThat(hex(c.getParentSpanId())).isEqualTo(server.spanId());
        assertThat(c.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
        assertThat(attrs(c.getAttributesList()))
                .containsEntry("server.port", 8080L)
                .containsEntry("big", Long.MIN_VALUE)
                .hasSize(2);
        assertThat(c.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
        assertThat(c.getStatus().getMessage()).isEqualTo("upstream reset: é");
        assertThat(c.getFlags()).isEqualTo(0x101);
    }

    @Test
    void aRootSpanHasNoParentAndAttributesPastTheLimitAreCountedAsDropped() throws Exception {
        TraceSpan root = tracer.startServerSpan("POST", h -> null);
        for (int i = 0; i < RecordedSpan.MAX_ATTRIBUTES + 6; i++) {
            root.setAttribute("k" + i, "v" + i);
        }
        root.end();
        Span s = encode(List.of((SpanData) root)).getResourceSpans(0).getScopeSpans(0).getSpans(0);
        assertThat(s.getParentSpanId().isEmpty()).isTrue();
        assertThat(s.getAttributesCount()).isEqualTo(RecordedSpan.MAX_ATTRIBUTES);
        assertThat(s.getDroppedAttributesCount()).isEqualTo(6);
        assertThat(s.getFlags()).isEqualTo(0x101);
    }

    @Test
    void aLargeBatchDecodes() throws Exception {
        List<SpanData> spans = new ArrayList<>();
        for (int i = 0; i < 700; i++) { // far past 16 KiB: lengths of three varint bytes
            TraceSpan s = tracer.startServerSpan("GET", h -> null);
            s.setAttribute("url.path", "/item/" + i);
            s.setAttribute("http.response.status_code", 200 + i);
            s.end();
            spans.add((SpanData) s);
        }
        ExportTraceServiceRequest req = encode(spans);
        assertThat(encodeBlocks(spans, 300)).isEqualTo(req);
        List<Span> got = req.getResourceSpans(0).getScopeSpans(0).getSpansList();
        assertThat(got).hasSize(700);
        for (int i = 0; i < 700; i++) {
            assertThat(hex(got.get(i).getSpanId())).isEqualTo(spans.get(i).getSpanId());
            assertThat(attrs(got.get(i).getAttributesList()))
                    .containsEntry("url.path", "/item/" + i)
                    .containsEntry("http.response.status_code", 200L + i);
        }
    }

    /**
     * A span's length is written into two reserved bytes: one of under 128 bytes and one of over 16
     * KiB need fewer or more, and a change late in the attributes after one early (or a value that
     * grows and shrinks again) must still decode as set.
     */
    @Test
    void spansOfEverySizeAndAttributesThatChangeLateOrEarlyDecodeAsSet() throws Exception {
        String big = "u".repeat(20_000);
        String[][] values = { // url.path, user_agent.original, weir.request_id
            {"/a", "curl", "id-1"},
            {"/a", "curl", "id-2"}, // only the last changes
            {"/a", big, "id-3"}, // over 16 KiB
            {"/a", "curl", "id-4"}, // back below, after the big one
            {"/b", "curl", "id-4"}, // the first changes, the rest repeat at new offsets
            null, // no attributes: under 128 bytes
            {"/b", "curl", "id-6"},
        };
        List<SpanData> spans = new ArrayList<>();
        for (String[] v : values) {
            TraceSpan sp = tracer.startServerSpan("GET", h -> null);
            if (v != null) {
                sp.setAttribute("url.path", v[0]);
                sp.setAttribute("user_agent.original", v[1]);
                sp.setAttribute("weir.request_id", v[2]);
            }
            sp.end();
            spans.add((SpanData) sp);
        }
        ExportTraceServiceRequest req = encodeBlocks(spans, 3);
        assertThat(encode(spans)).isEqualTo(req);
        List<Span> got = req.getResourceSpans(0).getScopeSpans(0).getSpansList();
        assertThat(got).hasSize(values.length);
        for (int i = 0; i < values.length; i++) {
            assertThat(hex(got.get(i).getSpanId())).isEqualTo(spans.get(i).getSpanId());
            Map<String, Object> a = attrs(got.get(i).getAttributesList());
            if (values[i] == null) {
                assertThat(a).isEmpty();
            } else {
                assertThat(a)
                        .containsOnly(
                                Map.entry("url.path", values[i][0]),
                                Map.entry("user_agent.original", values[i][1]),
                                Map.entry("weir.request_id", values[i][2]));
            }
        }
    }

    @Test
    void spansEncodedAsTheyEndGiveTheSameRequestWhateverTheirValuesRepeatOrChange()
            throws Exception {
        String route = "route-a"; // one instance, as the kernel passes a route's name
        List<SpanData> spans = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            TraceSpan s = tracer.startServerSpan(i == 3 ? "POST" : "GET", h -> null);
            if (i == 5) { // another order of keys at the same indexes
                s.setAttribute("url.path", "/p" + i);
                s.setAttribute("weir.route", route);
            } else {
                s.setAttribute("weir.route", i < 3 ? route : "route-b");
                // i == 4: an equal value in another String, as a path parsed anew per request
                String same = i == 4 ? new String("/same".toCharArray()) : "/same";
                s.setAttribute("url.path", i % 2 == 0 ? same : "/p\u00fc" + i);
            }
            if (i == 6) {
                s.setAttribute("http.response.status_code", "two hundred"); // a string this time
            } else {
                s.setAttribute("http.response.status_code", i < 4 ? 200 : 503);
            }
            s.end();
            spans.add((SpanData) s);
        }
        ExportTraceServiceRequest onExport = encode(spans);
        ExportTraceServiceRequest onEnd = encodeBlocks(spans, 5);
        assertThat(onEnd).isEqualTo(onExport);
        List<Span> got = onEnd.getResourceSpans(0).getScopeSpans(0).getSpansList();
        assertThat(got).hasSize(8);
        for (int i = 0; i < 8; i++) {
            Map<String, Object> a = attrs(got.get(i).getAttributesList());
            assertThat(hex(got.get(i).getSpanId())).isEqualTo(spans.get(i).getSpanId());
            assertThat(got.get(i).getName()).isEqualTo(i == 3 ? "POST" : "GET");
            assertThat(a.get("weir.route")).isEqualTo(i < 3 || i == 5 ? "route-a" : "route-b");
            assertThat(a.get("url.path"))
                    .isEqualTo(
                            i % 2 == 0 && i != 5 ? "/same" : "/p" + (i == 5 ? "" : "\u00fc") + i);
            assertThat(a.get("http.response.status_code"))
                    .isEqualTo(i == 6 ? "two hundred" : i < 4 ? 200L : 503L);
        }
    }

    /**
     * A repeated string attribute is recognised from the last span's encoded bytes: values of one
     * length that differ in their first or last character, an equal value in a new String, and a
     * value of the same length that is not ASCII (or was not) must each decode as set.
     */
    @Test
    void stringsOfOneLengthAreToldApartFromTheLastSpansBytes() throws Exception {
        String[] paths = {
            "/abcd",
            new String("/abcd".toCharArray()),
            "/abce",
            "xabce",
            "/ab\u00e7e",
            "/abce",
            "/ab\u00e7e",
            new String("/ab\u00e7e".toCharArray()),
            "/abce",
            "/abce"
        };
        List<SpanData> spans = new ArrayList<>();
        for (String p : paths) {
            TraceSpan sp = tracer.startServerSpan("GET", h -> null);
            sp.setAttribute("url.path", p);
            sp.setAttribute("weir.request_id", "r");
            sp.end();
            spans.add((SpanData) sp);
        }
        ExportTraceServiceRequest req = encodeBlocks(spans, 4);
        assertThat(encode(spans)).isEqualTo(req);
        List<Span> got = req.getResourceSpans(0).getScopeSpans(0).getSpansList();
        assertThat(got).hasSize(paths.length);
        for (int i = 0; i < paths.length; i++) {
            assertThat(attrs(got.get(i).getAttributesList()))
                    .containsOnly(
                            Map.entry("url.path", paths[i]), Map.entry("weir.request_id", "r"));
        }
    }
}
