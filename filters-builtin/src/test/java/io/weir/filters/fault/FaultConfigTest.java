package io.weir.filters.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.spi.testkit.FilterHarness;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FaultConfigTest {
    final FaultFilterFactory factory = new FaultFilterFactory();

    List<String> errors(Object raw) {
        return FilterHarness.configErrors(factory, raw);
    }

    FaultConfig parse(Object raw) {
        return (FaultConfig) FilterHarness.parseConfig(factory, raw);
    }

    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void bindsEveryKey() {
        FaultConfig c =
                parse(
                        map(
                                "delay",
                                map("fixed_delay", "2s", "percentage", 10),
                                "abort",
                                map("http_status", 503, "percentage", 0.5),
                                "max_active_faults",
                                100,
                                "headers_control",
                                true,
                                "seed",
                                42));
        assertThat(c.delay()).isEqualTo(new FaultConfig.Delay(Duration.ofSeconds(2), 10));
        assertThat(c.abort()).isEqualTo(FaultConfig.Abort.http(503, 0.5));
        assertThat(c.abort().isGrpc()).isFalse();
        assertThat(c.maxActiveFaults()).isEqualTo(100);
        assertThat(c.headersControl()).isTrue();
        assertThat(c.random()).isNotNull();
    }

    @Test
    void percentagesDefaultTo100FaultsAreUnlimitedAndHeadersIgnored() {
        FaultConfig c =
                parse(map("delay", map("fixed_delay", "1s"), "abort", map("grpc_status", 14)));
        assertThat(c.delay().percentage()).isEqualTo(100);
        assertThat(c.abort()).isEqualTo(FaultConfig.Abort.grpc(14, 100));
        assertThat(c.abort().httpStatus()).isEqualTo(200);
        assertThat(c.maxActiveFaults()).isEqualTo(Integer.MAX_VALUE);
        assertThat(c.headersControl()).isFalse();
        assertThat(c.random()).isNull();
    }

    @Test
    void anEmptyBlockInjectsNothing() {
        // valid, as in Envoy: a listener entry disabled by default and enabled per route
        FaultConfig c = parse(Map.of());
        assertThat(c.delay()).isNull();
        assertThat(c.abort()).isNull();
    }

    @Test
    void eachParseHasItsOwnCountOfActiveFaults() {
        assertThat(parse(Map.of()).active()).isNotSameAs(parse(Map.of()).active());
    }

    @Test
    void fixedDelayIsARequiredPositiveDuration() {
        assertThat(errors(map("delay", map("percentage", 5))))
                .containsExactly("config.delay.fixed_delay: is required");
        assertThat(errors(map("delay", map("fixed_delay", "0s"))))
                .containsExactly("config.delay.fixed_delay: must be > 0 (was 0s)");
        assertThat(errors(map("delay", map("fixed_delay", 2))))
                .containsExactly(
                        "config.delay.fixed_delay: expected a duration such as 250ms, 1s, 2m, 1h"
                                + " (was 2)");
    }

    @Test
    void percentagesAreNumbersFrom0To100() {
        assertThat(errors(map("delay", map("fixed_delay", "1s", "percentage", 150))))
                .containsExactly("config.delay.percentage: must be between 0 and 100 (was 150)");
        assertThat(errors(map("abort", map("http_status", 503, "percentage", -0.5))))
                .containsExactly("config.abort.percentage: must be between 0 and 100 (was -0.5)");
        assertThat(errors(map("abort", map("http_status", 503, "percentage", "5%"))))
                .containsExactly("config.abort.percentage: expected a number (was \"5%\")");
        assertThat(errors(map("abort", map("http_status", 503, "percentage", 0.001)))).isEmpty();
    }

    @Test
    void anAbortHasExactlyOneStatus() {
        assertThat(errors(map("abort", map("percentage", 5))))
                .containsExactly("config.abort: expected exactly one of http_status, grpc_status");
        assertThat(errors(map("abort", map("http_status", 503, "grpc_status", 14))))
                .containsExactly("config.abort: expected exactly one of http_status, grpc_status");
    }

    @Test
    void statusesAreInRange() {
        assertThat(errors(map("abort", map("http_status", 600))))
                .containsExactly("config.abort.http_status: must be <= 599 (was 600)");
        assertThat(errors(map("abort", map("http_status", 101))))
                .containsExactly("config.abort.http_status: must be >= 200 (was 101)");
        assertThat(errors(map("abort", map("grpc_status", 17))))
                .containsExactly("config.abort.grpc_status: must be <= 16 (was 17)");
        assertThat(errors(map("abort", map("http_status", "503"))))
                .containsExactly("config.abort.http_status: expected a whole number (was \"503\")");
    }

    @Test
    void maxActiveFaultsIsNotNegative() {
        assertThat(errors(map("max_active_faults", -1)))
                .containsExactly("config.max_active_faults: must be >= 0 (was -1)");
        assertThat(parse(map("max_active_faults", 0)).maxActiveFaults()).isZero();
    }

    @Test
    void headersControlAndSeedAreTyped() {
        assertThat(errors(map("headers_control", "on")))
                .containsExactly("config.headers_control: expected true or false (was \"on\")");
        assertThat(errors(map("seed", "abc")))
                .containsExactly("config.seed: expected a whole number (was \"abc\")");
    }

    @Test
    void unknownKeysAndNonMapsAreRejected() {
        assertThat(errors(map("dealy", map())))
                .containsExactly(
                        "config.dealy: unknown key (expected one of: delay, abort,"
                                + " max_active_faults, headers_control, seed)");
        assertThat(errors(map("delay", map("fixed_delay", "1s", "type", "fixed"))))
                .containsExactly(
                        "config.delay.type: unknown key (expected one of: fixed_delay,"
                                + " percentage)");
        assertThat(errors(map("abort", map("http_status", 503, "body", "x"))))
                .containsExactly(
                        "config.abort.body: unknown key (expected one of: http_status,"
                                + " grpc_status, percentage)");
        assertThat(errors(map("delay", "2s")))
                .containsExactly("config.delay: expected a map (was \"2s\")");
    }

    @Test
    void everyErrorOfABlockIsReportedTogether() {
        assertThat(
                        errors(
                                map(
                                        "delay", map("fixed_delay", "0s", "percentage", 101),
                                        "abort", map("http_status", 700),
                                        "max_active_faults", -2)))
                .containsExactly(
                        "config.delay.fixed_delay: must be > 0 (was 0s)",
                        "config.delay.percentage: must be between 0 and 100 (was 101)",
                        "config.abort.http_status: must be <= 599 (was 700)",
                        "config.max_active_faults: must be >= 0 (was -2)");
    }

    @Test
    void theRecordsRefuseInvalidValues() {
        assertThatThrownBy(() -> new FaultConfig.Delay(Duration.ZERO, 10))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FaultConfig.Abort.http(503, 100.5))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FaultConfig.Abort.http(600, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
