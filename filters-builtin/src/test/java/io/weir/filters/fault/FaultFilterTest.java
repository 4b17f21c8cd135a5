package io.weir.filters.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.testkit.FilterHarness;
import io.weir.spi.testkit.StreamRun;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** {@code weir.fault} against the SPI's test kit: its manual clock drives the delays. */
class FaultFilterTest {
    final FaultFilterFactory factory = new FaultFilterFactory();

    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    FilterHarness harness(Object raw) {
        return FilterHarness.of(factory, raw);
    }

    /** A GET with (name, value) headers, run through the filter. */
    static StreamRun send(FilterHarness h, String... headers) {
        var rq = h.request("GET", "/");
        for (int i = 0; i < headers.length; i += 2) {
            rq.header(headers[i], headers[i + 1]);
        }
        return rq.send();
    }

    static long active(FilterHarness h) {
        return h.gauge("weir_fault_active");
    }

    // --- percentages ---

    /** How many of {@code n} requests under {@code raw} get a delay (the flag DI). */
    int delays(Map<String, Object> raw, int n, String... headers) {
        FilterHarness h = harness(raw);
        int hits = 0;
        for (int i = 0; i < n; i++) {
            hits += send(h, headers).responseFlags().contains("DI") ? 1 : 0;
        }
        return hits;
    }

    /** How many of {@code n} requests under {@code raw} are aborted. */
    int aborts(Map<String, Object> raw, int n, String... headers) {
        FilterHarness h = harness(raw);
        int hits = 0;
        for (int i = 0; i < n; i++) {
            hits += send(h, headers).localReply() != null ? 1 : 0;
        }
        return hits;
    }

    @Test
    void percentagesHoldWithinFourSigmaOverTenThousandDraws() {
        // sigma = sqrt(n p (1 - p)): 30 at 10%, 33 at 12.5%, 7 at 0.5%
        assertThat(
                        delays(
                                map("delay", map("fixed_delay", "1s", "percentage", 10), "seed", 7),
                                10_000))
                .isBetween(880, 1120);
        assertThat(
                        delays(
                                map(
                                        "delay",
                                        map("fixed_delay", "1s", "percentage", 12.5),
                                        "seed",
                                        8),
                                10_000))
                .isBetween(1118, 1382);
        assertThat(
                        aborts(
                                map("abort", map("http_status", 503, "percentage", 0.5), "seed", 9),
                                10_000))
                .isBetween(22, 78);
    }

    @Test
    void zeroNeverAndHundredAlwaysInjects() {
        assertThat(aborts(map("abort", map("http_status", 503, "percentage", 0), "seed", 1), 1000))
                .isZero();
        assertThat(aborts(map("abort", map("http_status", 503), "seed", 1), 1000)).isEqualTo(1000);
        // and without a seed (ThreadLocalRandom)
        assertThat(delays(map("delay", map("fixed_delay", "1s", "percentage", 100)), 10))
                .isEqualTo(10);
    }

    @Test
    void aSeedMakesTheSequenceReproducible() {
        Map<String, Object> raw =
                map("abort", map("http_status", 503, "percentage", 50), "seed", 1234);
        FilterHarness a = harness(raw);
        FilterHarness b = harness(raw);
        StringBuilder sa = new StringBuilder();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            sa.append(send(a).localReply() != null ? 'x' : '.');
            sb.append(send(b).localReply() != null ? 'x' : '.');
        }
        assertThat(sa.toString()).isEqualTo(sb.toString()).contains("x").contains(".");
    }

    // --- delay ---

    @Test
    void aDelayPausesTheRequestAndContinuesExactlyAtFixedDelay() {
        FilterHarness h = harness(map("delay", map("fixed_delay", "2s")));
        StreamRun s = send(h);
        assertThat(s.requestPaused()).isTrue();
        assertThat(s.forwarded()).isFalse();
        assertThat(s.responseFlags()).containsExactly("DI");
        assertThat(h.counter("weir_fault_delays_injected_total")).isEqualTo(1);
        assertThat(active(h)).isEqualTo(1);
        h.advance(Duration.ofSeconds(2).minusNanos(1));
        assertThat(s.forwarded()).isFalse();
        h.advance(Duration.ofNanos(1));
        assertThat(s.forwarded()).isTrue();
        assertThat(s.localReply()).isNull();
        // in progress until the stream ends, as in Envoy
        assertThat(active(h)).isEqualTo(1);
        s.respond(200).send();
        assertThat(s.status()).isEqualTo(200);
        assertThat(s.destroyed()).isTrue();
        assertThat(active(h)).isZero();
        assertThat(h.counter("weir_fault_aborts_injected_total")).isZero();
    }

    @Test
    void aClientLeavingDuringADelayCancelsItAndEndsTheFault() {
        FilterHarness h = harness(map("delay", map("fixed_delay", "2s")));
        StreamRun s = send(h);
        s.abort();
        assertThat(s.destroyed()).isTrue();
        assertThat(active(h)).isZero();
        h.advance(Duration.ofSeconds(5));
        assertThat(s.forwarded()).isFalse();
        assertThat(h.callsAfterDestroy()).isZero();
    }

    // --- abort ---

    @Test
    void anAbortAnswersWithTheStatusBodyAndFiFlag() {
        FilterHarness h = harness(map("abort", map("http_status", 503)));
        StreamRun s = send(h);
        assertThat(s.forwarded()).isFalse();
        assertThat(s.localReply().status()).isEqualTo(503);
        assertThat(s.localReply().body()).isEqualTo("fault filter abort");
        assertThat(s.localReply().details()).isEqualTo("fault_filter_abort");
        assertThat(s.localReply().responseFlag()).isEqualTo("FI");
        assertThat(s.status()).isEqualTo(503);
        assertThat(s.responseBody()).isEqualTo("fault filter abort");
        assertThat(s.responseFlags()).isEmpty();
        assertThat(s.destroyed()).isTrue();
        assertThat(h.counter("weir_fault_aborts_injected_total")).isEqualTo(1);
        assertThat(active(h)).isZero();
    }

    @Test
    void aGrpcAbortIsA200WithGrpcStatus() {
        FilterHarness h = harness(map("abort", map("grpc_status", 14)));
        StreamRun s = send(h);
        assertThat(s.localReply().status()).isEqualTo(200);
        assertThat(s.localReply().headers())
                .containsExactly(
                        Map.entry("content-type", "application/grpc"),
                        Map.entry("grpc-status", "14"),
                        Map.entry("grpc-message", "fault filter abort"));
        assertThat(s.localReply().body()).isNull();
        assertThat(s.localReply().responseFlag()).isEqualTo("FI");
    }

    @Test
    void withBothTheAbortComesAfterTheDelay() {
        FilterHarness h =
                harness(map("delay", map("fixed_delay", "1s"), "abort", map("http_status", 500)));
        StreamRun s = send(h);
        assertThat(s.localReply()).isNull();
        assertThat(s.responseFlags()).containsExactly("DI");
        h.advance(Duration.ofMillis(999));
        assertThat(s.localReply()).isNull();
        h.advance(Duration.ofMillis(1));
        assertThat(s.localReply().status()).isEqualTo(500);
        assertThat(s.localReply().responseFlag()).isEqualTo("FI");
        assertThat(s.forwarded()).isFalse();
        assertThat(h.counter("weir_fault_delays_injected_total")).isEqualTo(1);
        assertThat(h.counter("weir_fault_aborts_injected_total")).isEqualTo(1);
        assertThat(active(h)).isZero();
    }

    @Test
    void noFaultNoPause() {
        FilterHarness h = harness(map("abort", map("http_status", 500, "percentage", 0)));
        StreamRun s = send(h);
        assertThat(s.forwarded()).isTrue();
        assertThat(s.localReply()).isNull();
        assertThat(active(h)).isZero();
    }

    // --- max_active_faults ---

    @Test
    void beyondMaxActiveFaultsRequestsPassWithoutAFaultAndAreCounted() {
        FilterHarness h = harness(map("delay", map("fixed_delay", "1s"), "max_active_faults", 2));
        StreamRun a = send(h);
        StreamRun b = send(h);
        StreamRun c = send(h);
        assertThat(a.forwarded()).isFalse();
        assertThat(b.forwarded()).isFalse();
        assertThat(c.forwarded()).isTrue();
        assertThat(c.responseFlags()).isEmpty();
        assertThat(h.counter("weir_fault_overflow_total")).isEqualTo(1);
        assertThat(active(h)).isEqualTo(2);
        h.advance(Duration.ofSeconds(1));
        a.respond(200).send();
        assertThat(active(h)).isEqualTo(1);
        assertThat(send(h).forwarded()).isFalse(); // room again
        assertThat(h.counter("weir_fault_overflow_total")).isEqualTo(1);
        assertThat(h.counter("weir_fault_delays_injected_total")).isEqualTo(3);
    }

    @Test
    void maxActiveFaultsIsSharedByTheWorkers() {
        FilterHarness w0 = harness(map("abort", map("http_status", 503), "max_active_faults", 1));
        FilterHarness w1 = w0.anotherWorker(); // the same parsed config, so the same count
        // a route override: counted against the listener's
        StreamRun held =
                w0.request("GET", "/").routeConfig(map("delay", map("fixed_delay", "1s"))).send();
        assertThat(held.forwarded()).isFalse();
        StreamRun s = send(w1);
        assertThat(s.localReply()).isNull();
        assertThat(s.forwarded()).isTrue();
        assertThat(w1.counter("weir_fault_overflow_total")).isEqualTo(1);
        held.abort();
        assertThat(send(w1).localReply().status()).isEqualTo(503);
    }

    @Test
    void overflowWarnsAtMostOncePerTenSeconds() {
        Logger jul = Logger.getLogger("weir.filter.weir.fault");
        List<String> warnings = new CopyOnWriteArrayList<>();
        Handler handler =
                new Handler() {
                    @Override
                    public void publish(LogRecord r) {
                        if (r.getLevel() == Level.WARNING) {
                            warnings.add(r.getMessage());
                        }
                    }

                    @Override
                    public void flush() {}

                    @Override
                    public void close() {}
                };
        jul.addHandler(handler);
        try {
            FilterHarness h =
                    harness(map("abort", map("http_status", 503), "max_active_faults", 0));
            send(h);
            send(h);
            h.advance(Duration.ofSeconds(9));
            send(h);
            assertThat(warnings)
                    .containsExactly(
                            "fault not injected: max_active_faults reached filter=weir.fault"
                                    + " max_active_faults=0");
            h.advance(Duration.ofSeconds(1));
            send(h);
            assertThat(warnings).hasSize(2);
            assertThat(h.counter("weir_fault_overflow_total")).isEqualTo(4);
        } finally {
            jul.removeHandler(handler);
        }
    }

    @Test
    void zeroMaxActiveFaultsInjectsNothing() {
        FilterHarness h = harness(map("abort", map("http_status", 503), "max_active_faults", 0));
        assertThat(send(h).forwarded()).isTrue();
        assertThat(h.counter("weir_fault_overflow_total")).isEqualTo(1);
    }

    // --- headers control ---

    @Test
    void requestHeadersAreIgnoredByDefault() {
        FilterHarness h = harness(map());
        StreamRun s =
                send(h, "x-weir-fault-abort-request", "500", "x-weir-fault-delay-request", "100");
        assertThat(s.forwarded()).isTrue();
        assertThat(s.localReply()).isNull();
    }

    @Test
    void withHeadersControlAHeaderAsksForAnAbort() {
        FilterHarness h = harness(map("headers_control", true));
        assertThat(send(h, "x-weir-fault-abort-request", "418").localReply().status())
                .isEqualTo(418);
        StreamRun grpc = send(h, "x-weir-fault-abort-grpc-request", "4");
        assertThat(grpc.localReply().status()).isEqualTo(200);
        assertThat(grpc.localReply().headers()).contains(Map.entry("grpc-status", "4"));
        // the HTTP status wins over the gRPC one, as in Envoy
        assertThat(
                        send(
                                        h,
                                        "x-weir-fault-abort-request",
                                        "503",
                                        "x-weir-fault-abort-grpc-request",
                                        "4")
                                .localReply()
                                .status())
                .isEqualTo(503);
        assertThat(send(h).forwarded()).isTrue();
    }

    @Test
    void withHeadersControlAHeaderAsksForADelayInMilliseconds() {
        FilterHarness h = harness(map("headers_control", true));
        StreamRun s = send(h, "x-weir-fault-delay-request", "300");
        assertThat(s.responseFlags()).containsExactly("DI");
        h.advance(Duration.ofMillis(299));
        assertThat(s.forwarded()).isFalse();
        h.advance(Duration.ofMillis(1));
        assertThat(s.forwarded()).isTrue();
    }

    @Test
    void aHeaderReplacesTheConfiguredValue() {
        FilterHarness h =
                harness(
                        map(
                                "headers_control", true,
                                "delay", map("fixed_delay", "5s"),
                                "abort", map("http_status", 503)));
        StreamRun s =
                send(h, "x-weir-fault-delay-request", "0", "x-weir-fault-abort-request", "429");
        assertThat(s.responseFlags()).isEmpty(); // a delay of 0 is none
        assertThat(s.localReply().status()).isEqualTo(429);
    }

    @Test
    void headerPercentagesAreCappedByTheConfiguredOnes() {
        FilterHarness h =
                harness(
                        map(
                                "headers_control",
                                true,
                                "abort",
                                map("http_status", 503, "percentage", 0)));
        for (int i = 0; i < 20; i++) {
            StreamRun s =
                    send(
                            h,
                            "x-weir-fault-abort-request",
                            "500",
                            "x-weir-fault-abort-request-percentage",
                            "100");
            assertThat(s.localReply()).isNull();
        }
        FilterHarness open = harness(map("headers_control", true));
        StreamRun never =
                send(
                        open,
                        "x-weir-fault-delay-request",
                        "10",
                        "x-weir-fault-delay-request-percentage",
                        "0");
        assertThat(never.forwarded()).isTrue();
    }

    @Test
    void headerPercentagesApplyOverManyDraws() {
        int hits =
                aborts(
                        map("headers_control", true, "seed", 3),
                        10_000,
                        "x-weir-fault-abort-request",
                        "503",
                        "x-weir-fault-abort-request-percentage",
                        "25");
        // sigma = sqrt(10000 * 0.25 * 0.75) = 43
        assertThat(hits).isBetween(2327, 2673);
    }

    @Test
    void invalidHeaderValuesAreIgnored() {
        FilterHarness h = harness(map("headers_control", true, "delay", map("fixed_delay", "1s")));
        StreamRun s =
                send(h, "x-weir-fault-delay-request", "soon", "x-weir-fault-abort-request", "600");
        assertThat(s.localReply()).isNull();
        assertThat(s.responseFlags()).containsExactly("DI"); // the configured delay
        h.advance(Duration.ofSeconds(1));
        assertThat(s.forwarded()).isTrue();
        assertThat(send(h, "x-weir-fault-abort-request", "-1").localReply()).isNull();
    }

    // --- route overrides ---

    @Test
    void aRouteOverrideReplacesTheListenersBlock() {
        FilterHarness h = harness(map("abort", map("http_status", 503)));
        StreamRun s =
                h.request("GET", "/").routeConfig(map("delay", map("fixed_delay", "100ms"))).send();
        assertThat(s.localReply()).isNull();
        assertThat(s.responseFlags()).containsExactly("DI");
        h.advance(Duration.ofMillis(100));
        assertThat(s.forwarded()).isTrue();
        assertThat(send(h).localReply().status()).isEqualTo(503);
    }
}
