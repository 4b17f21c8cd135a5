package io.weir.filters.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.filters.fault.FakeStream.TestHeaders;
import io.weir.filters.fault.FakeStream.TestMetrics;
import io.weir.filters.fault.FakeStream.Worker;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class FaultFilterTest {
    final FaultFilterFactory factory = new FaultFilterFactory();
    final TestMetrics metrics = new TestMetrics();

    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    FaultConfig parse(Object raw) {
        return (FaultConfig) FakeStream.parse(factory, raw);
    }

    Worker worker(Object raw) {
        return new Worker(factory, parse(raw), metrics);
    }

    long metric(String name) {
        return metrics.value(name);
    }

    // --- percentages ---

    /** How many of {@code n} draws with seed 7 inject the config's delay. */
    int delays(FaultConfig c, int n) {
        TestHeaders none = new TestHeaders();
        int hits = 0;
        for (int i = 0; i < n; i++) {
            hits += FaultFilter.delay(c, none, c.random()) != null ? 1 : 0;
        }
        return hits;
    }

    int aborts(FaultConfig c, int n) {
        TestHeaders none = new TestHeaders();
        int hits = 0;
        for (int i = 0; i < n; i++) {
            hits += FaultFilter.abort(c, none, c.random()) != null ? 1 : 0;
        }
        return hits;
    }

    @Test
    void percentagesHoldWithinFourSigmaOverTenThousandDraws() {
        // sigma = sqrt(n p (1 - p)): 30 at 10%, 33 at 12.5%, 7 at 0.5%
        assertThat(
                        delays(
                                parse(
                                        map(
                                                "delay",
                                                map("fixed_delay", "1s", "percentage", 10),
                                                "seed",
                                                7)),
                                10_000))
                .isBetween(880, 1120);
        assertThat(
                        delays(
                                parse(
                                        map(
                                                "delay",
                                                map("fixed_delay", "1s", "percentage", 12.5),
                                                "seed",
                                                8)),
                                10_000))
                .isBetween(1118, 1382);
        assertThat(
                        aborts(
                                parse(
                                        map(
                                                "abort",
                                                map("http_status", 503, "percentage", 0.5),
                                                "seed",
                                                9)),
                                10_000))
                .isBetween(22, 78);
    }

    @Test
    void zeroNeverAndHundredAlwaysInjects() {
        assertThat(
                        aborts(
                                parse(
                                        map(
                                                "abort",
                                                map("http_status", 503, "percentage", 0),
                                                "seed",
                                                1)),
                                1000))
                .isZero();
        assertThat(aborts(parse(map("abort", map("http_status", 503), "seed", 1)), 1000))
                .isEqualTo(1000);
        // and without a seed (ThreadLocalRandom)
        FaultConfig unseeded = parse(map("delay", map("fixed_delay", "1s", "percentage", 100)));
        assertThat(FaultFilter.delay(unseeded, new TestHeaders(), new Random())).isNotNull();
    }

    @Test
    void aSeedMakesTheSequenceReproducible() {
        Map<String, Object> raw =
                map("abort", map("http_status", 503, "percentage", 50), "seed", 1234);
        FaultConfig a = parse(raw);
        FaultConfig b = parse(raw);
        StringBuilder sa = new StringBuilder();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            sa.append(FaultFilter.abort(a, new TestHeaders(), a.random()) != null ? 'x' : '.');
            sb.append(FaultFilter.abort(b, new TestHeaders(), b.random()) != null ? 'x' : '.');
        }
        assertThat(sa.toString()).isEqualTo(sb.toString()).contains("x").contains(".");
    }

    // --- delay ---

    @Test
    void aDelayPausesTheRequestAndContinuesExactlyAtFixedDelay() {
        Worker w = worker(map("delay", map("fixed_delay", "2s")));
        FakeStream s = w.send();
        assertThat(s.forwarded).isFalse();
        assertThat(s.flags).containsExactly("DI");
        assertThat(metric("weir_fault_delays_injected_total")).isEqualTo(1);
        assertThat(metric("weir_fault_active")).isEqualTo(1);
        w.advance(Duration.ofSeconds(2).minusNanos(1));
        assertThat(s.forwarded).isFalse();
        w.advance(Duration.ofNanos(1));
        assertThat(s.forwarded).isTrue();
        assertThat(s.reply).isNull();
        // in progress until the stream ends, as in Envoy
        assertThat(metric("weir_fault_active")).isEqualTo(1);
        s.end();
        assertThat(s.destroyed).isTrue();
        assertThat(metric("weir_fault_active")).isZero();
        assertThat(metric("weir_fault_aborts_injected_total")).isZero();
    }

    @Test
    void aClientLeavingDuringADelayCancelsItAndEndsTheFault() {
        Worker w = worker(map("delay", map("fixed_delay", "2s")));
        FakeStream s = w.send();
        s.end();
        assertThat(w.pendingTimers()).isZero();
        assertThat(metric("weir_fault_active")).isZero();
        w.advance(Duration.ofSeconds(5));
        assertThat(s.forwarded).isFalse();
    }

    // --- abort ---

    @Test
    void anAbortAnswersWithTheStatusBodyAndFiFlag() {
        Worker w = worker(map("abort", map("http_status", 503)));
        FakeStream s = w.send();
        assertThat(s.forwarded).isFalse();
        assertThat(s.reply.status()).isEqualTo(503);
        assertThat(s.reply.body()).isEqualTo("fault filter abort");
        assertThat(s.reply.details()).isEqualTo("fault_filter_abort");
        assertThat(s.reply.responseFlag()).isEqualTo("FI");
        assertThat(s.flags).isEmpty();
        assertThat(s.destroyed).isTrue();
        assertThat(metric("weir_fault_aborts_injected_total")).isEqualTo(1);
        assertThat(metric("weir_fault_active")).isZero();
    }

    @Test
    void aGrpcAbortIsA200WithGrpcStatus() {
        Worker w = worker(map("abort", map("grpc_status", 14)));
        FakeStream s = w.send();
        assertThat(s.reply.status()).isEqualTo(200);
        assertThat(s.reply.headers())
                .containsExactly(
                        Map.entry("content-type", "application/grpc"),
                        Map.entry("grpc-status", "14"),
                        Map.entry("grpc-message", "fault filter abort"));
        assertThat(s.reply.body()).isNull();
        assertThat(s.reply.responseFlag()).isEqualTo("FI");
    }

    @Test
    void withBothTheAbortComesAfterTheDelay() {
        Worker w = worker(map("delay", map("fixed_delay", "1s"), "abort", map("http_status", 500)));
        FakeStream s = w.send();
        assertThat(s.reply).isNull();
        assertThat(s.flags).containsExactly("DI");
        w.advance(Duration.ofMillis(999));
        assertThat(s.reply).isNull();
        w.advance(Duration.ofMillis(1));
        assertThat(s.reply.status()).isEqualTo(500);
        assertThat(s.reply.responseFlag()).isEqualTo("FI");
        assertThat(s.forwarded).isFalse();
        assertThat(metric("weir_fault_delays_injected_total")).isEqualTo(1);
        assertThat(metric("weir_fault_aborts_injected_total")).isEqualTo(1);
        assertThat(metric("weir_fault_active")).isZero();
    }

    @Test
    void noFaultNoPause() {
        Worker w = worker(map("abort", map("http_status", 500, "percentage", 0)));
        FakeStream s = w.send();
        assertThat(s.forwarded).isTrue();
        assertThat(s.reply).isNull();
        assertThat(metric("weir_fault_active")).isZero();
    }

    // --- max_active_faults ---

    @Test
    void beyondMaxActiveFaultsRequestsPassWithoutAFaultAndAreCounted() {
        Worker w = worker(map("delay", map("fixed_delay", "1s"), "max_active_faults", 2));
        FakeStream a = w.send();
        FakeStream b = w.send();
        FakeStream c = w.send();
        assertThat(a.forwarded).isFalse();
        assertThat(b.forwarded).isFalse();
        assertThat(c.forwarded).isTrue();
        assertThat(c.flags).isEmpty();
        assertThat(metric("weir_fault_overflow_total")).isEqualTo(1);
        assertThat(metric("weir_fault_active")).isEqualTo(2);
        w.advance(Duration.ofSeconds(1));
        a.end();
        assertThat(metric("weir_fault_active")).isEqualTo(1);
        assertThat(w.send().forwarded).isFalse(); // room again
        assertThat(metric("weir_fault_overflow_total")).isEqualTo(1);
        assertThat(metric("weir_fault_delays_injected_total")).isEqualTo(3);
    }

    @Test
    void maxActiveFaultsIsSharedByTheWorkers() {
        FaultConfig c = parse(map("abort", map("http_status", 503), "max_active_faults", 1));
        Worker w0 = new Worker(factory, c, metrics);
        Worker w1 = new Worker(factory, c, metrics);
        FaultConfig delaying = parse(map("delay", map("fixed_delay", "1s")));
        FakeStream held = w0.send(delaying); // a route override: counted against the listener's
        assertThat(held.forwarded).isFalse();
        FakeStream s = w1.send();
        assertThat(s.reply).isNull();
        assertThat(s.forwarded).isTrue();
        assertThat(metric("weir_fault_overflow_total")).isEqualTo(1);
        held.end();
        assertThat(w1.send().reply.status()).isEqualTo(503);
    }

    @Test
    void overflowWarnsAtMostOncePerTenSeconds() {
        Logger jul = Logger.getLogger("weir.filter.weir.fault");
        List<String> warnings = new CopyOnWriteArrayList<>();
        Handler h =
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
        jul.addHandler(h);
        try {
            Worker w = worker(map("abort", map("http_status", 503), "max_active_faults", 0));
            w.send();
            w.send();
            w.advance(Duration.ofSeconds(9));
            w.send();
            assertThat(warnings)
                    .containsExactly(
                            "fault not injected: max_active_faults reached filter=weir.fault"
                                    + " max_active_faults=0");
            w.advance(Duration.ofSeconds(1));
            w.send();
            assertThat(warnings).hasSize(2);
            assertThat(metric("weir_fault_overflow_total")).isEqualTo(4);
        } finally {
            jul.removeHandler(h);
        }
    }

    @Test
    void zeroMaxActiveFaultsInjectsNothing() {
        Worker w = worker(map("abort", map("http_status", 503), "max_active_faults", 0));
        assertThat(w.send().forwarded).isTrue();
        assertThat(metric("weir_fault_overflow_total")).isEqualTo(1);
    }

    // --- headers control ---

    @Test
    void requestHeadersAreIgnoredByDefault() {
        Worker w = worker(map());
        FakeStream s =
                w.send(
                        "x-weir-fault-abort-request", "500",
                        "x-weir-fault-delay-request", "100");
        assertThat(s.forwarded).isTrue();
        assertThat(s.reply).isNull();
    }

    @Test
    void withHeadersControlAHeaderAsksForAnAbort() {
        Worker w = worker(map("headers_control", true));
        assertThat(w.send("x-weir-fault-abort-request", "418").reply.status()).isEqualTo(418);
        FakeStream grpc = w.send("x-weir-fault-abort-grpc-request", "4");
        assertThat(grpc.reply.status()).isEqualTo(200);
        assertThat(grpc.reply.headers()).contains(Map.entry("grpc-status", "4"));
        // the HTTP status wins over the gRPC one, as in Envoy
        assertThat(
                        w.send(
                                        "x-weir-fault-abort-request", "503",
                                        "x-weir-fault-abort-grpc-request", "4")
                                .reply
                                .status())
                .isEqualTo(503);
        assertThat(w.send().forwarded).isTrue();
    }

    @Test
    void withHeadersControlAHeaderAsksForADelayInMilliseconds() {
        Worker w = worker(map("headers_control", true));
        FakeStream s = w.send("x-weir-fault-delay-request", "300");
        assertThat(s.flags).containsExactly("DI");
        w.advance(Duration.ofMillis(299));
        assertThat(s.forwarded).isFalse();
        w.advance(Duration.ofMillis(1));
        assertThat(s.forwarded).isTrue();
    }

    @Test
    void aHeaderReplacesTheConfiguredValue() {
        Worker w =
                worker(
                        map(
                                "headers_control", true,
                                "delay", map("fixed_delay", "5s"),
                                "abort", map("http_status", 503)));
        FakeStream s =
                w.send("x-weir-fault-delay-request", "0", "x-weir-fault-abort-request", "429");
        assertThat(s.flags).isEmpty(); // a delay of 0 is none
        assertThat(s.reply.status()).isEqualTo(429);
    }

    @Test
    void headerPercentagesAreCappedByTheConfiguredOnes() {
        Worker w =
                worker(
                        map(
                                "headers_control",
                                true,
                                "abort",
                                map("http_status", 503, "percentage", 0)));
        for (int i = 0; i < 20; i++) {
            FakeStream s =
                    w.send(
                            "x-weir-fault-abort-request", "500",
                            "x-weir-fault-abort-request-percentage", "100");
            assertThat(s.reply).isNull();
        }
        Worker open = worker(map("headers_control", true));
        FakeStream never =
                open.send(
                        "x-weir-fault-delay-request", "10",
                        "x-weir-fault-delay-request-percentage", "0");
        assertThat(never.forwarded).isTrue();
    }

    @Test
    void headerPercentagesApplyOverManyDraws() {
        FaultConfig c = parse(map("headers_control", true, "seed", 3));
        TestHeaders h = new TestHeaders();
        h.add("x-weir-fault-abort-request", "503");
        h.add("x-weir-fault-abort-request-percentage", "25");
        int hits = 0;
        for (int i = 0; i < 10_000; i++) {
            hits += FaultFilter.abort(c, h, c.random()) != null ? 1 : 0;
        }
        // sigma = sqrt(10000 * 0.25 * 0.75) = 43
        assertThat(hits).isBetween(2327, 2673);
    }

    @Test
    void invalidHeaderValuesAreIgnored() {
        Worker w = worker(map("headers_control", true, "delay", map("fixed_delay", "1s")));
        FakeStream s =
                w.send(
                        "x-weir-fault-delay-request", "soon",
                        "x-weir-fault-abort-request", "600");
        assertThat(s.reply).isNull();
        assertThat(s.flags).containsExactly("DI"); // the configured delay
        w.advance(Duration.ofSeconds(1));
        assertThat(s.forwarded).isTrue();
        assertThat(w.send("x-weir-fault-abort-request", "-1").reply).isNull();
    }

    // --- route overrides ---

    @Test
    void aRouteOverrideReplacesTheListenersBlock() {
        Worker w = worker(map("abort", map("http_status", 503)));
        FaultConfig override = parse(map("delay", map("fixed_delay", "100ms")));
        FakeStream s = w.send(override);
        assertThat(s.reply).isNull();
        assertThat(s.flags).containsExactly("DI");
        w.advance(Duration.ofMillis(100));
        assertThat(s.forwarded).isTrue();
        assertThat(w.send().reply.status()).isEqualTo(503);
    }
}
