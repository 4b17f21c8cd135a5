package io.weir.kernel.config;

import static io.weir.kernel.config.ConfigFixtures.errors;
import static io.weir.kernel.config.ConfigFixtures.parse;
import static io.weir.kernel.config.ConfigFixtures.withHttp;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TracingConfigTest {
    static String withTracing(String block) {
        return withHttp("") + "tracing:\n" + block.indent(2);
    }

    @Test
    void absentTracingIsNull() throws Exception {
        assertThat(parse(withHttp("")).tracing()).isNull();
    }

    @Test
    void fillsDefaults() throws Exception {
        TracingConfig t =
                parse(
                                withTracing(
                                        "exporter: { zipkin: { endpoint: http://zipkin:9411/api/v2/spans } }"))
                        .tracing();
        assertThat(t.serviceName()).isEqualTo("weir");
        assertThat(t.sampling()).isEqualTo(1.0);
        assertThat(t.propagation()).containsExactly("w3c");
        assertThat(t.forceSampleHeader()).isNull();
        assertThat(t.filterSpans()).isFalse();
        assertThat(t.exporter())
                .isEqualTo(
                        new TracingConfig.Exporter(
                                "zipkin", "http://zipkin:9411/api/v2/spans", null));
        assertThat(t.batch())
                .isEqualTo(
                        new TracingConfig.Batch(
                                2048, 512, Duration.ofSeconds(1), Duration.ofSeconds(10)));
    }

    @Test
    void bindsEveryKey() throws Exception {
        TracingConfig t =
                parse(
                                withTracing(
                                        """
                                service_name: edge
                                sampling: 0.25
                                propagation: [b3, w3c, jaeger]
                                force_sample_header: X-Weir-Force-Trace
                                filter_spans: true
                                exporter: { otlp: { protocol: http } }
                                batch: { max_queue_size: 100, max_export_batch_size: 10, schedule_delay: 200ms, export_timeout: 2s }
                                """))
                        .tracing();
        assertThat(t.serviceName()).isEqualTo("edge");
        assertThat(t.sampling()).isEqualTo(0.25);
        assertThat(t.propagation()).containsExactly("b3", "w3c", "jaeger");
        assertThat(t.forceSampleHeader()).isEqualTo("x-weir-force-trace");
        assertThat(t.filterSpans()).isTrue();
        assertThat(t.exporter())
                .isEqualTo(
                        new TracingConfig.Exporter(
                                "otlp", "http://127.0.0.1:4318/v1/traces", "http"));
        assertThat(t.batch())
                .isEqualTo(
                        new TracingConfig.Batch(
                                100, 10, Duration.ofMillis(200), Duration.ofSeconds(2)));
    }

    @Test
    void otlpDefaultsToGrpcOnJaegersPort() throws Exception {
        assertThat(parse(withTracing("exporter: { otlp: {} }")).tracing().exporter())
                .isEqualTo(new TracingConfig.Exporter("otlp", "http://127.0.0.1:4317", "grpc"));
    }

    @Test
    void reportsEveryErrorWithItsPath() {
        List<String> errs =
                errors(
                        withTracing(
                                """
                                sampling: 2
                                propagation: [w3c, zipkin, w3c]
                                force_sample_header: "bad header"
                                filter_spans: "yes"
                                colour: blue
                                exporter: { zipkin: { endpoint: "ftp://x" } }
                                batch: { max_queue_size: 10, max_export_batch_size: 20, schedule_delay: 0s }
                                """));
        assertThat(errs)
                .containsExactly(
                        "tracing.sampling: must be between 0 and 1 (was 2)",
                        "tracing.propagation[1]: must be one of w3c, b3, jaeger (was \"zipkin\")",
                        "tracing.propagation[2]: duplicate propagation \"w3c\"",
                        "tracing.force_sample_header: invalid header name \"bad header\"",
                        "tracing.filter_spans: expected a boolean (was a string)",
                        "tracing.colour: unknown key (expected one of: service_name, sampling,"
                                + " propagation, force_sample_header, filter_spans, exporter,"
                                + " batch)",
                        "tracing.exporter.zipkin.endpoint: invalid endpoint \"ftp://x\" (expected"
                                + " an http:// or https:// URL)",
                        "tracing.batch.max_export_batch_size: must be <= max_queue_size 10 (was"
                                + " 20)",
                        "tracing.batch.schedule_delay: must be > 0 (was 0s)");
    }

    @Test
    void theExporterIsRequiredAndOnlyOne() {
        assertThat(errors(withTracing("sampling: 0.5")))
                .containsExactly("tracing.exporter: required");
        assertThat(
                        errors(
                                withTracing(
                                        "exporter: { otlp: {}, zipkin: { endpoint:"
                                                + " http://z:9411/api/v2/spans } }")))
                .containsExactly("tracing.exporter: expected exactly one of: otlp, zipkin");
        assertThat(errors(withTracing("exporter: { zipkin: {} }")))
                .containsExactly("tracing.exporter.zipkin.endpoint: required");
        assertThat(errors(withTracing("exporter: { otlp: { protocol: thrift } }")))
                .containsExactly(
                        "tracing.exporter.otlp.protocol: must be one of grpc, http (was \"thrift\")");
    }

    @Test
    void aNegativeOrNonNumericRatioIsRejected() {
        assertThat(errors(withTracing("sampling: -0.5\nexporter: { otlp: {} }")))
                .containsExactly("tracing.sampling: must be between 0 and 1 (was -0.5)");
        assertThat(errors(withTracing("sampling: half\nexporter: { otlp: {} }")))
                .containsExactly("tracing.sampling: expected a number (was a string)");
    }

    static final String ZIPKIN =
            "tracing:\n  exporter: { zipkin: { endpoint: http://zipkin:9411/api/v2/spans } }\n";

    @Test
    void aListenerMayTurnTracingOffOrSetItsOwnSampling() throws Exception {
        assertThat(parse(withHttp("") + ZIPKIN).listeners().get(0).http().tracing()).isNull();
        assertThat(
                        parse(withHttp("tracing: { enabled: false }") + ZIPKIN)
                                .listeners()
                                .get(0)
                                .http()
                                .tracing())
                .isEqualTo(new ListenerConfig.TracingOverride(false, null));
        WeirConfig c = parse(withHttp("tracing: { sampling: 0.01 }") + ZIPKIN);
        assertThat(c.listeners().get(0).http().tracing())
                .isEqualTo(new ListenerConfig.TracingOverride(true, 0.01));
        assertThat(ConfigJson.toJson(c).replaceAll("\\s", ""))
                .contains("\"tracing\":{\"enabled\":true,\"sampling\":0.01}");
    }

    @Test
    void aListenersTracingIsCheckedWithItsPath() throws Exception {
        assertThat(errors(withHttp("tracing: { sampling: 0.5 }")))
                .containsExactly(
                        "listeners[0].http.tracing: needs the top-level tracing block (which sets"
                                + " the exporter)");
        assertThat(errors(withHttp("tracing: { sampling: 2 }") + ZIPKIN))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .startsWith("listeners[0].http.tracing.sampling:");
        assertThat(errors(withHttp("tracing: { enabled: false, sampling: 0.5 }") + ZIPKIN))
                .containsExactly(
                        "listeners[0].http.tracing.sampling: has no effect with enabled: false");
        assertThat(errors(withHttp("tracing: { sample: 0.5 }") + ZIPKIN))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .startsWith("listeners[0].http.tracing.sample:");
    }
}
