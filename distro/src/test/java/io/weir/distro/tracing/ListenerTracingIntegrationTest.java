package io.weir.distro.tracing;

import static io.weir.distro.tracing.TracingIntegrationTest.PARENT;
import static io.weir.distro.tracing.TracingIntegrationTest.TRACE;
import static io.weir.distro.tracing.TracingIntegrationTest.sampled;
import static io.weir.distro.tracing.ZipkinTwoHopIntegrationTest.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.testing.Weir;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A listener's {@code http.tracing} with Weir's tracer and a real OTLP/HTTP receiver: one listener
 * inherits the top-level sampling (1.0), one turns tracing off, one samples no new trace.
 */
class ListenerTracingIntegrationTest {
    static String config(String upstream, String otlp) {
        StringBuilder y = new StringBuilder();
        y.append(
                """
                admin: { address: 127.0.0.1:0 }
                tracing:
                  sampling: 1.0
                  exporter: { otlp: { endpoint: "%s", protocol: http } }
                  batch: { schedule_delay: 50ms }
                listeners:
                """
                        .formatted(otlp));
        for (String[] l :
                new String[][] {
                    {"inherits", ""}, {"off", "{ enabled: false }"}, {"rare", "{ sampling: 0 }"}
                }) {
            y.append(
                    """
                      - name: %s
                        address: 127.0.0.1:0
                        http:
                    %s      virtual_hosts:
                            - name: all
                              domains: ["*"]
                              routes:
                                - match: { prefix: "/" }
                                  route: { cluster: backend, timeout: 5s }
                    """
                            .formatted(
                                    l[0], l[1].isEmpty() ? "" : "      tracing: " + l[1] + "\n"));
        }
        y.append(
                """
                clusters:
                  - name: backend
                    connect_timeout: 1s
                    endpoints:
                      - address: %s
                """
                        .formatted(upstream));
        return y.toString();
    }

    @Test
    void eachListenerTracesAsItsOwnBlockSays() throws Exception {
        try (OtlpReceiver otlp = new OtlpReceiver();
                CapturingUpstream up = new CapturingUpstream();
                Weir w = Weir.start(config(up.address(), otlp.endpoint()))) {
            // tracing off: no context is made, and a caller's goes upstream untouched
            assertThat(get(w.port("off"), "/").statusCode()).isEqualTo(200);
            assertThat(up.next()).doesNotContainKey("traceparent");
            String callers = "00-" + TRACE + "-" + PARENT + "-01";
            get(w.port("off"), "/", "traceparent", callers);
            assertThat(up.next()).containsEntry("traceparent", callers);

            // sampling 0: the new trace propagates unsampled and is never exported
            get(w.port("rare"), "/");
            String[] unsampled = up.next().get("traceparent").split("-");
            assertThat(sampled(unsampled[3])).isFalse();
            // ... while a caller's sampled flag still decides
            get(w.port("rare"), "/", "traceparent", callers);
            Map<String, String> continued = up.next();
            assertThat(continued.get("traceparent"))
                    .startsWith("00-" + TRACE + "-")
                    .endsWith("-01");

            // inherited sampling 1.0: sampled and exported
            get(w.port("inherits"), "/");
            String[] inherited = up.next().get("traceparent").split("-");
            assertThat(sampled(inherited[3])).isTrue();
            otlp.awaitTrace(inherited[1], 2);
            otlp.awaitTrace(TRACE, 2);
            // exports are in order: the unsampled trace and the untraced listener sent nothing
            assertThat(otlp.trace(unsampled[1])).isEmpty();
            assertThat(otlp.all())
                    .allMatch(s -> s.traceId().equals(TRACE) || s.traceId().equals(inherited[1]))
                    .hasSize(4);
        }
    }
}
