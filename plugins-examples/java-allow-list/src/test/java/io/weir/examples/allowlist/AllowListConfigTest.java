package io.weir.examples.allowlist;

import static io.weir.spi.testkit.FilterHarness.configErrors;
import static io.weir.spi.testkit.FilterHarness.parseConfig;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AllowListConfigTest {
    private final AllowListFilterFactory factory = new AllowListFilterFactory();

    @Test
    void onlyTheClusterIsRequired() {
        assertThat(parseConfig(factory, Map.of("cluster", "auth")))
                .isEqualTo(
                        new AllowListConfig(
                                "auth",
                                "/allow/",
                                "x-api-user",
                                Duration.ofSeconds(30),
                                Duration.ofMillis(200),
                                false));
    }

    @Test
    void bindsEveryKey() {
        assertThat(
                        parseConfig(
                                factory,
                                Map.of(
                                        "cluster", "auth",
                                        "path_prefix", "/v1/users/",
                                        "header", "x-user",
                                        "cache_ttl", "0s",
                                        "timeout", "1.5s",
                                        "failure_mode_allow", true)))
                .isEqualTo(
                        new AllowListConfig(
                                "auth",
                                "/v1/users/",
                                "x-user",
                                Duration.ZERO,
                                Duration.ofMillis(1500),
                                true));
    }

    @Test
    void reportsEveryErrorWithItsPath() {
        assertThat(
                        configErrors(
                                factory,
                                Map.of(
                                        "path_prefix", "allow/",
                                        "header", "X-User",
                                        "cache_ttl", 30,
                                        "timeout", "0ms",
                                        "failure_mode_allow", "no",
                                        "retries", 3)))
                .containsExactlyInAnyOrder(
                        "config.retries: unknown key (expected one of: cluster, path_prefix, header,"
                                + " cache_ttl, timeout, failure_mode_allow)",
                        "config.cluster: is required",
                        "config.path_prefix: must start with / (was \"allow/\")",
                        "config.header: must be a lower-case header name such as x-api-user (was"
                                + " \"X-User\")",
                        "config.cache_ttl: expected a duration such as 250ms, 1s, 2m, 1h (was 30)",
                        "config.timeout: must be > 0 (was 0ms)",
                        "config.failure_mode_allow: expected true or false (was \"no\")");
    }

    @Test
    void rejectsAConfigThatIsNotAMap() {
        assertThat(configErrors(factory, "auth"))
                .containsExactly("config: expected a map (was \"auth\")");
    }
}
