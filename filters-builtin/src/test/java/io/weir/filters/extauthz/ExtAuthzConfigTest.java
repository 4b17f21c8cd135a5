package io.weir.filters.extauthz;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.testkit.FilterHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ExtAuthzConfigTest {
    private final ExtAuthzFilterFactory factory = new ExtAuthzFilterFactory();

    private List<String> errors(Object... kv) {
        return FilterHarness.configErrors(factory, ExtAuthzFilterTest.config(kv));
    }

    @Test
    void bindsEveryKey() {
        ExtAuthzConfig c =
                (ExtAuthzConfig)
                        FilterHarness.parseConfig(
                                factory,
                                ExtAuthzFilterTest.config(
                                        "failure_mode_allow",
                                        true,
                                        "status_on_error",
                                        503,
                                        "with_request_body",
                                        Map.of(
                                                "max_request_bytes",
                                                8192,
                                                "allow_partial_message",
                                                false)));
        assertThat(c.cluster()).isEqualTo("authz");
        assertThat(c.pathPrefix()).isEqualTo("/check");
        assertThat(c.timeout()).isEqualTo(Duration.ofMillis(200));
        assertThat(c.requestHeaders()).containsExactly("authorization", "cookie", "x-user");
        assertThat(c.upstreamHeaders()).containsExactly("x-auth-user");
        assertThat(c.clientHeaders())
                .containsExactlyInAnyOrder(
                        "set-cookie", "www-authenticate", "location", "content-type");
        assertThat(c.failureModeAllow()).isTrue();
        assertThat(c.statusOnError()).isEqualTo(503);
        assertThat(c.maxRequestBytes()).isEqualTo(8192);
    }

    @Test
    void defaults() {
        ExtAuthzConfig c =
                (ExtAuthzConfig) FilterHarness.parseConfig(factory, Map.of("cluster", "authz"));
        assertThat(c.pathPrefix()).isEmpty();
        assertThat(c.timeout()).isEqualTo(Duration.ofMillis(200));
        assertThat(c.requestHeaders()).containsExactly("authorization");
        assertThat(c.upstreamHeaders()).isEqualTo(Set.of());
        assertThat(c.clientHeaders()).isNull();
        assertThat(c.failureModeAllow()).isFalse();
        assertThat(c.statusOnError()).isEqualTo(403);
        assertThat(c.maxRequestBytes()).isEqualTo(-1);
    }

    @Test
    void clusterIsRequired() {
        assertThat(FilterHarness.configErrors(factory, Map.of()))
                .containsExactly("config.cluster: is required");
    }

    @Test
    void unknownKeysAreRejected() {
        assertThat(errors("grpc_service", "x"))
                .containsExactly(
                        "config.grpc_service: unknown key (expected one of: cluster, path_prefix,"
                                + " timeout, allowed_request_headers, allowed_upstream_headers,"
                                + " allowed_client_headers, failure_mode_allow, status_on_error,"
                                + " with_request_body)");
    }

    @Test
    void badValuesAreAllReportedWithTheirPaths() {
        assertThat(
                        errors(
                                "path_prefix",
                                "check",
                                "timeout",
                                "0ms",
                                "status_on_error",
                                99,
                                "allowed_request_headers",
                                List.of("x user", "content-length"),
                                "allowed_upstream_headers",
                                List.of(":path"),
                                "allowed_client_headers",
                                "set-cookie"))
                .containsExactly(
                        "config.path_prefix: must start with / and have no query (was \"check\")",
                        "config.timeout: must be > 0 (was 0ms)",
                        "config.allowed_request_headers[0]: expected a header name such as x-user"
                                + " (was \"x user\")",
                        "config.allowed_request_headers[1]: must not be a hop-by-hop, framing or"
                                + " host header (was \"content-length\")",
                        "config.allowed_upstream_headers[0]: expected a header name such as x-user"
                                + " (was \":path\")",
                        "config.allowed_client_headers: expected a list (was \"set-cookie\")",
                        "config.status_on_error: must be >= 200 (was 99)");
    }

    @Test
    void withRequestBodyNeedsABoundAndNoPartialMessages() {
        assertThat(errors("with_request_body", Map.of("allow_partial_message", true)))
                .containsExactly(
                        "config.with_request_body.max_request_bytes: is required",
                        "config.with_request_body.allow_partial_message: true is not supported:"
                                + " a body over max_request_bytes is answered 413");
        assertThat(errors("with_request_body", Map.of("max_request_bytes", 0)))
                .containsExactly(
                        "config.with_request_body.max_request_bytes: must be >= 1 (was 0)");
    }

    @Test
    void theFilterIsOfferedByThePluginThroughServiceLoader() {
        var p =
                java.util.ServiceLoader.load(io.weir.spi.WeirPlugin.class).stream()
                        .map(java.util.ServiceLoader.Provider::get)
                        .filter(ExtAuthzPlugin.class::isInstance)
                        .findFirst()
                        .orElseThrow();
        assertThat(p.httpFilters().get(0).name()).isEqualTo("weir.ext_authz");
    }
}
