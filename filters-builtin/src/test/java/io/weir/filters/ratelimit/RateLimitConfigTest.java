package io.weir.filters.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.testkit.FilterHarness;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RateLimitConfigTest {
    static final RateLimitFilterFactory FACTORY = new RateLimitFilterFactory();

    /** What Weir reports for {@code raw} as the {@code config:} block (path {@code config}). */
    static List<String> errors(Object raw) {
        return FilterHarness.configErrors(FACTORY, raw);
    }

    static RateLimitConfig parse(Object raw) {
        return (RateLimitConfig) FilterHarness.parseConfig(FACTORY, raw);
    }

    /** A valid block with {@code key} replaced (null removes it). */
    static Map<String, Object> with(String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("redis", Map.of("address", "127.0.0.1:6379"));
        m.put("limit", Map.of("requests", 10, "per", "60s"));
        if (value == null) {
            m.remove(key);
        } else {
            m.put(key, value);
        }
        return m;
    }

    @Test
    void theShortestConfigTakesTheDefaults() {
        RateLimitConfig c = parse(with("key", null));
        assertThat(c.redis()).isEqualTo(new RedisTarget("127.0.0.1", 6379, null));
        assertThat(c.timeout()).isEqualTo(Duration.ofMillis(50));
        assertThat(c.requests()).isEqualTo(10);
        assertThat(c.per()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.key()).containsExactly(new KeyPart(KeyPart.Kind.CLIENT_IP, null));
        assertThat(c.algorithm()).isEqualTo(RateLimitConfig.Algorithm.SLIDING_WINDOW);
        assertThat(c.failureModeDeny()).isFalse();
    }

    @Test
    void everyKeyIsBound() {
        RateLimitConfig c =
                parse(
                        Map.of(
                                "redis",
                                Map.of(
                                        "address",
                                        "[::1]:7000",
                                        "timeout",
                                        "250ms",
                                        "password",
                                        "s3cret"),
                                "limit",
                                Map.of("requests", 1000, "per", "1.5s"),
                                "key",
                                List.of("route", "header:X-Api-Key", "client_ip"),
                                "algorithm",
                                "fixed_window",
                                "failure_mode_deny",
                                true));
        assertThat(c.redis()).isEqualTo(new RedisTarget("::1", 7000, "s3cret"));
        assertThat(c.redis().address()).isEqualTo("[::1]:7000");
        assertThat(c.timeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.per()).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.key())
                .extracting(KeyPart::kind, KeyPart::header)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(KeyPart.Kind.ROUTE, null),
                        org.assertj.core.groups.Tuple.tuple(KeyPart.Kind.HEADER, "x-api-key"),
                        org.assertj.core.groups.Tuple.tuple(KeyPart.Kind.CLIENT_IP, null));
        assertThat(c.algorithm()).isEqualTo(RateLimitConfig.Algorithm.FIXED_WINDOW);
        assertThat(c.failureModeDeny()).isTrue();
    }

    @Test
    void thePasswordNeverShowsInToString() {
        RateLimitConfig c =
                parse(
                        with(
                                "redis",
                                Map.of("address", "redis.internal:6380", "password", "s3cret")));
        assertThat(c.toString()).doesNotContain("s3cret").contains("redis.internal:6380");
        assertThat(c.redis().toString()).isEqualTo("redis.internal:6380 (password set)");
    }

    @Test
    void anEmptyBlockNamesEveryRequiredKey() {
        assertThat(errors(Map.of()))
                .containsExactly("config.redis.address: is required", "config.limit: is required");
    }

    @Test
    void unknownKeysAreErrorsAtEachLevel() {
        Map<String, Object> m = with("limt", 5);
        m.put("redis", Map.of("address", "127.0.0.1:6379", "db", 1));
        m.put("limit", Map.of("requests", 10, "per", "60s", "burst", 2));
        assertThat(errors(m))
                .containsExactly(
                        "config.limt: unknown key (expected one of: redis, limit, key, algorithm,"
                                + " failure_mode_deny)",
                        "config.redis.db: unknown key (expected one of: address, timeout, password)",
                        "config.limit.burst: unknown key (expected one of: requests, per)");
    }

    @Test
    void theAddressMustBeHostColonPort() {
        for (String bad : List.of("localhost", "127.0.0.1:", ":6379", "::1:6379", "a b:1", "h:x")) {
            assertThat(errors(with("redis", Map.of("address", bad))))
                    .as(bad)
                    .containsExactly(
                            "config.redis.address: expected host:port such as 127.0.0.1:6379 (was \""
                                    + bad
                                    + "\")");
        }
        assertThat(errors(with("redis", Map.of("address", "127.0.0.1:0"))))
                .containsExactly(
                        "config.redis.address: port must be between 1 and 65535 (was"
                                + " \"127.0.0.1:0\")");
        assertThat(errors(with("redis", Map.of("address", "127.0.0.1:65536"))))
                .containsExactly(
                        "config.redis.address: port must be between 1 and 65535 (was"
                                + " \"127.0.0.1:65536\")");
        assertThat(errors(with("redis", Map.of("address", 6379))))
                .containsExactly("config.redis.address: expected a string (was 6379)");
        assertThat(errors(with("redis", "127.0.0.1:6379")))
                .containsExactly("config.redis: expected a map (was \"127.0.0.1:6379\")");
    }

    @Test
    void theTimeoutMustBeAPositiveDuration() {
        assertThat(errors(with("redis", Map.of("address", "127.0.0.1:6379", "timeout", "0ms"))))
                .containsExactly("config.redis.timeout: must be > 0 (was 0ms)");
        assertThat(errors(with("redis", Map.of("address", "127.0.0.1:6379", "timeout", "fast"))))
                .containsExactly(
                        "config.redis.timeout: expected a duration such as 250ms, 1s, 2m, 1h (was"
                                + " \"fast\")");
    }

    @Test
    void requestsMustBeAPositiveWholeNumber() {
        assertThat(errors(with("limit", Map.of("requests", 0, "per", "1s"))))
                .containsExactly("config.limit.requests: must be > 0 (was 0)");
        assertThat(errors(with("limit", Map.of("requests", -3, "per", "1s"))))
                .containsExactly("config.limit.requests: must be > 0 (was -3)");
        assertThat(errors(with("limit", Map.of("requests", 1.5, "per", "1s"))))
                .containsExactly("config.limit.requests: expected a whole number (was 1.5)");
        assertThat(errors(with("limit", Map.of("per", "1s"))))
                .containsExactly("config.limit.requests: is required");
    }

    @Test
    void perMustBeAtLeastOneSecond() {
        assertThat(errors(with("limit", Map.of("requests", 5, "per", "999ms"))))
                .containsExactly("config.limit.per: must be >= 1s (was 999ms)");
        assertThat(errors(with("limit", Map.of("requests", 5))))
                .containsExactly("config.limit.per: is required");
        assertThat(errors(with("limit", Map.of("requests", 5, "per", 60))))
                .containsExactly(
                        "config.limit.per: expected a duration such as 250ms, 1s, 2m, 1h (was 60)");
        assertThat(parse(with("limit", Map.of("requests", 5, "per", "1s"))).per())
                .isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void theAlgorithmIsOneOfTwo() {
        assertThat(errors(with("algorithm", "token_bucket")))
                .containsExactly(
                        "config.algorithm: expected one of: fixed_window, sliding_window (was"
                                + " token_bucket)");
    }

    @Test
    void failureModeDenyIsABoolean() {
        assertThat(errors(with("failure_mode_deny", "yes")))
                .containsExactly("config.failure_mode_deny: expected true or false (was \"yes\")");
    }

    @Test
    void keyPartsAreClientIpRouteOrHeaderName() {
        assertThat(errors(with("key", "user")))
                .containsExactly(
                        "config.key: expected client_ip, route or header:NAME (was \"user\")");
        assertThat(errors(with("key", List.of("client_ip", "header:", "header:a b", 7))))
                .containsExactly(
                        "config.key[1]: expected a header name after header:, such as"
                                + " header:x-api-key (was \"header:\")",
                        "config.key[2]: expected a header name after header:, such as"
                                + " header:x-api-key (was \"header:a b\")",
                        "config.key[3]: expected a string (was 7)");
        assertThat(errors(with("key", List.of()))).containsExactly("config.key: must not be empty");
        assertThat(errors(with("key", Map.of("a", 1))))
                .containsExactly("config.key: expected a string (was a map)");
    }

    @Test
    void everyErrorOfTheBlockIsReportedInOnePass() {
        assertThat(
                        errors(
                                Map.of(
                                        "redis",
                                        Map.of("address", "nope", "timeout", "0s"),
                                        "limit",
                                        Map.of("requests", 0, "per", "10ms"),
                                        "algorithm",
                                        "x")))
                .hasSize(5);
    }
}
