package io.weir.filters.localratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.spi.testkit.FilterHarness;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalRateLimitConfigTest {
    final LocalRateLimitFilterFactory factory = new LocalRateLimitFilterFactory();

    static Map<String, Object> valid() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("max_tokens", 100);
        m.put("tokens_per_fill", 100);
        m.put("fill_interval", "1s");
        return m;
    }

    static Map<String, Object> with(String key, Object value) {
        Map<String, Object> m = valid();
        m.put(key, value);
        return m;
    }

    List<String> errors(Object raw) {
        return FilterHarness.configErrors(factory, raw);
    }

    @Test
    void bindsEveryKey() {
        Map<String, Object> raw = valid();
        raw.put("key", "header:x-api-key");
        raw.put("max_keys", 50);
        raw.put("rate_limit_headers", true);
        raw.put("shadow", true);
        LocalRateLimitConfig c = (LocalRateLimitConfig) FilterHarness.parseConfig(factory, raw);
        assertThat(c.maxTokens()).isEqualTo(100);
        assertThat(c.tokensPerFill()).isEqualTo(100);
        assertThat(c.fillInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.key()).isEqualTo(new RateLimitKey(RateLimitKey.Kind.HEADER, "x-api-key"));
        assertThat(c.maxKeys()).isEqualTo(50);
        assertThat(c.rateLimitHeaders()).isTrue();
        assertThat(c.shadow()).isTrue();
    }

    @Test
    void defaultsAreOneTokenPerFillTenThousandKeysNoHeadersNoShadow() {
        LocalRateLimitConfig c =
                (LocalRateLimitConfig)
                        FilterHarness.parseConfig(
                                factory, Map.of("max_tokens", 5, "fill_interval", "1m"));
        assertThat(c.tokensPerFill()).isEqualTo(1);
        assertThat(c.key()).isNull();
        assertThat(c.maxKeys()).isEqualTo(10_000);
        assertThat(c.rateLimitHeaders()).isFalse();
        assertThat(c.shadow()).isFalse();
    }

    @Test
    void keysParse() {
        assertThat(RateLimitKey.parse("client_ip").kind()).isEqualTo(RateLimitKey.Kind.CLIENT_IP);
        assertThat(RateLimitKey.parse("route").kind()).isEqualTo(RateLimitKey.Kind.ROUTE);
        assertThat(RateLimitKey.parse("header:x-user").header()).isEqualTo("x-user");
        assertThat(RateLimitKey.parse("header:x-user")).hasToString("header:x-user");
    }

    @Test
    void eachParseHasItsOwnBuckets() {
        // a reload and every route override parse their block again: fresh, full buckets
        LocalRateLimitConfig a = (LocalRateLimitConfig) FilterHarness.parseConfig(factory, valid());
        LocalRateLimitConfig b = (LocalRateLimitConfig) FilterHarness.parseConfig(factory, valid());
        assertThat(a.buckets()).isNotSameAs(b.buckets());
    }

    @Test
    void maxTokensMustBePositive() {
        assertThat(errors(with("max_tokens", 0)))
                .containsExactly("config.max_tokens: must be > 0 (was 0)");
        assertThat(errors(with("max_tokens", -3)))
                .containsExactly("config.max_tokens: must be > 0 (was -3)");
    }

    @Test
    void maxTokensIsAUint32() {
        assertThat(errors(with("max_tokens", 4_294_967_296L)))
                .containsExactly("config.max_tokens: must be <= 4294967295 (was 4294967296)");
        assertThat(errors(with("max_tokens", 4_294_967_295L))).isEmpty();
    }

    @Test
    void maxTokensMustBeAWholeNumber() {
        assertThat(errors(with("max_tokens", "ten")))
                .containsExactly("config.max_tokens: expected a whole number (was \"ten\")");
        assertThat(errors(with("max_tokens", 1.5)))
                .containsExactly("config.max_tokens: expected a whole number (was 1.5)");
    }

    @Test
    void tokensPerFillMustBePositive() {
        assertThat(errors(with("tokens_per_fill", 0)))
                .containsExactly("config.tokens_per_fill: must be > 0 (was 0)");
    }

    @Test
    void maxTokensAndFillIntervalAreRequired() {
        assertThat(errors(Map.of()))
                .containsExactly(
                        "config.max_tokens: is required", "config.fill_interval: is required");
    }

    @Test
    void fillIntervalIsAtLeastOneMillisecond() {
        assertThat(errors(with("fill_interval", "0.5ms")))
                .containsExactly("config.fill_interval: must be >= 1ms (was 0.5ms)");
        assertThat(errors(with("fill_interval", "0s")))
                .containsExactly("config.fill_interval: must be >= 1ms (was 0s)");
        assertThat(errors(with("fill_interval", "1ms"))).isEmpty();
    }

    @Test
    void fillIntervalIsADuration() {
        assertThat(errors(with("fill_interval", 5)))
                .containsExactly(
                        "config.fill_interval: expected a duration such as 250ms, 1s, 2m, 1h (was"
                                + " 5)");
    }

    @Test
    void keySyntaxIsChecked() {
        String expected =
                "config.key: expected client_ip, route or header:NAME with NAME a lower-case"
                        + " header name such as header:x-user (was \"%s\")";
        for (String bad : List.of("ip", "header:", "header:X-User", "header:a b", "Route")) {
            assertThat(errors(with("key", bad))).containsExactly(expected.formatted(bad));
        }
        assertThat(errors(with("key", 7))).containsExactly("config.key: expected a string (was 7)");
    }

    @Test
    void maxKeysMustBePositiveAndNeedsAKey() {
        Map<String, Object> raw = with("key", "client_ip");
        raw.put("max_keys", 0);
        assertThat(errors(raw)).containsExactly("config.max_keys: must be > 0 (was 0)");
        assertThat(errors(with("max_keys", 10)))
                .containsExactly("config.max_keys: applies only with key");
    }

    @Test
    void flagsAreBooleans() {
        assertThat(errors(with("shadow", "yes")))
                .containsExactly("config.shadow: expected true or false (was \"yes\")");
        assertThat(errors(with("rate_limit_headers", 1)))
                .containsExactly("config.rate_limit_headers: expected true or false (was 1)");
    }

    @Test
    void unknownKeysAreRejected() {
        assertThat(errors(with("burst", 10)))
                .containsExactly(
                        "config.burst: unknown key (expected one of: max_tokens, tokens_per_fill,"
                                + " fill_interval, key, max_keys, rate_limit_headers, shadow)");
        assertThat(errors(List.of(1))).containsExactly("config: expected a map (was a list)");
    }

    @Test
    void everyErrorOfABlockIsReportedTogether() {
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("max_tokens", 0);
        raw.put("tokens_per_fill", 0);
        raw.put("fill_interval", "0ms");
        raw.put("key", "ip");
        assertThat(errors(raw))
                .containsExactly(
                        "config.max_tokens: must be > 0 (was 0)",
                        "config.tokens_per_fill: must be > 0 (was 0)",
                        "config.fill_interval: must be >= 1ms (was 0ms)",
                        "config.key: expected client_ip, route or header:NAME with NAME a"
                                + " lower-case header name such as header:x-user (was \"ip\")");
    }

    @Test
    void theRecordRefusesAnInvalidBucket() {
        assertThatThrownBy(
                        () ->
                                LocalRateLimitConfig.of(
                                        0, 1, Duration.ofSeconds(1), null, 1, false, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () ->
                                LocalRateLimitConfig.of(
                                        1, 1, Duration.ofNanos(999_999), null, 1, false, false))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
