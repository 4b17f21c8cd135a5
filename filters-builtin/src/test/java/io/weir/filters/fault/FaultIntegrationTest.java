package io.weir.filters.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code weir.fault} in a real Weir, over sockets on 127.0.0.1. */
@ExtendWith(NettyLeakCheck.class)
class FaultIntegrationTest {
    static final FilterRegistry REGISTRY =
            FilterRegistry.of(Map.of(FaultFilterFactory.NAME, new FaultFilterFactory()));

    @TempDir Path dir;

    /**
     * One listener, one worker-agnostic route set: /slow/ overrides, the rest uses {@code entry}.
     */
    static String yaml(String upstream, String entry, String extraHttp) {
        return """
                admin: { address: 127.0.0.1:0 }
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                      %s
                      filters:
                        - name: weir.fault
                          %s
                      virtual_hosts:
                        - name: d
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/slow/" }
                              route: { cluster: backend }
                              per_filter_config:
                                weir.fault:
                                  config: { delay: { fixed_delay: 200ms, percentage: 100 } }
                            - match: { prefix: "/" }
                              route: { cluster: backend }
                clusters:
                  - name: backend
                    endpoints: [{ address: %s }]
                """
                .formatted(extraHttp, entry, upstream);
    }

    static RawClient.Response get(Weir w, String path, String headers) throws Exception {
        try (RawClient c = new RawClient(w.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n");
            return c.read();
        }
    }

    @Test
    void aHundredPercentAbortOf418Answers418() throws Exception {
        String entry = "config: { abort: { http_status: 418, percentage: 100 } }";
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), entry, ""), 1, REGISTRY)) {
            RawClient.Response r = get(w, "/tea", "");
            assertThat(r.status()).isEqualTo(418);
            assertThat(r.body()).isEqualTo("fault filter abort");
            assertThat(up.requests()).isZero();
            assertThat(w.awaitStat("weir_fault_aborts_injected_total{filter=\"weir.fault\"}", 1))
                    .isEqualTo(1);
            assertThat(w.awaitStat("weir_fault_active{filter=\"weir.fault\"}", 0)).isZero();
        }
    }

    @Test
    void aDelayOf200msHoldsARequestWithoutBlockingTheWorker() throws Exception {
        // the listener's entry is off; /slow/ turns it on with a delay; one worker for both
        String entry = "disabled: true";
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), entry, ""), 1, REGISTRY);
                RawClient slow = new RawClient(w.port())) {
            long start = System.nanoTime();
            slow.send("GET /slow/1 HTTP/1.1\r\nHost: x\r\n\r\n");
            // the slow request is paused in the filter before the other one is sent
            assertThat(w.awaitStat("weir_fault_delays_injected_total{filter=\"weir.fault\"}", 1))
                    .isEqualTo(1);
            RawClient.Response fast = get(w, "/fast", "");
            long fastDone = System.nanoTime();
            RawClient.Response delayed = slow.read();
            long slowDone = System.nanoTime();

            assertThat(fast.status()).isEqualTo(200);
            assertThat(delayed.status()).isEqualTo(200);
            assertThat(delayed.body()).contains("uri=/slow/1");
            assertThat(TimeUnit.NANOSECONDS.toMillis(slowDone - start)).isGreaterThanOrEqualTo(200);
            // answered while the slow one was still inside its 200ms
            assertThat(TimeUnit.NANOSECONDS.toMillis(fastDone - start)).isLessThan(200);
            assertThat(fastDone).isLessThan(slowDone);
        }
    }

    @Test
    void headersAskForFaultsWhenAllowedAndTheAccessLogShowsTheFlags() throws Exception {
        Path log = dir.resolve("access.json");
        String entry = "config: { headers_control: true }";
        String accessLog = "access_log: [{ path: %s, format: json }]".formatted(log);
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), entry, accessLog), 1, REGISTRY)) {
            assertThat(get(w, "/a", "x-weir-fault-abort-request: 503\r\n").status()).isEqualTo(503);
            assertThat(get(w, "/b", "x-weir-fault-delay-request: 20\r\n").status()).isEqualTo(200);
            assertThat(get(w, "/c", "").status()).isEqualTo(200);
            List<String> lines = awaitLines(log, 3);
            assertThat(lines.get(0))
                    .contains("\"response_code\":503")
                    .contains("\"response_flags\":\"FI\"")
                    .contains("\"response_code_details\":\"fault_filter_abort\"");
            assertThat(lines.get(1))
                    .contains("\"response_code\":200")
                    .contains("\"response_flags\":\"DI\"");
            assertThat(lines.get(2)).contains("\"response_flags\":\"-\"");
        }
    }

    @Test
    void headersAreIgnoredWithoutHeadersControl() throws Exception {
        String entry = "config: { abort: { http_status: 503, percentage: 0 } }";
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), entry, ""), 1, REGISTRY)) {
            assertThat(get(w, "/a", "x-weir-fault-abort-request: 503\r\n").status()).isEqualTo(200);
        }
    }

    /** The log's lines once it has {@code n} (entries are written as streams end). */
    static List<String> awaitLines(Path log, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            if (lines.size() >= n) {
                return lines;
            }
            Thread.yield();
        }
        throw new AssertionError("access log has " + lines.size() + " lines, expected " + n);
    }
}
