package io.weir.filters.extauthz;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.HttpCallRequest;
import io.weir.spi.HttpCallResponse;
import io.weir.spi.LocalReply;
import io.weir.spi.testkit.CallOut;
import io.weir.spi.testkit.FilterHarness;
import io.weir.spi.testkit.StreamRun;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code weir.ext_authz} against the test kit: the check request, header copying, statuses. */
class ExtAuthzFilterTest {
    private final ExtAuthzFilterFactory factory = new ExtAuthzFilterFactory();

    static Map<String, Object> config(Object... extra) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("cluster", "authz");
        c.put("path_prefix", "/check");
        c.put("timeout", "200ms");
        c.put("allowed_request_headers", List.of("cookie", "X-User"));
        c.put("allowed_upstream_headers", List.of("x-auth-user"));
        c.put("allowed_client_headers", List.of("set-cookie"));
        for (int i = 0; i < extra.length; i += 2) {
            c.put((String) extra[i], extra[i + 1]);
        }
        return c;
    }

    static HttpCallResponse answer(int status, String body, String... headers) {
        List<Map.Entry<String, String>> h = new java.util.ArrayList<>();
        for (int i = 0; i < headers.length; i += 2) {
            h.add(Map.entry(headers[i], headers[i + 1]));
        }
        return new HttpCallResponse(status, h, body.getBytes(StandardCharsets.UTF_8), null);
    }

    private FilterHarness harness(Object... extra) {
        return FilterHarness.of(factory, config(extra));
    }

    private static StreamRun get(FilterHarness h) {
        return h.request("GET", "/api/items?x=1")
                .header(":authority", "shop.example")
                .header("authorization", "Bearer abc")
                .header("cookie", "a=1")
                .header("cookie", "b=2")
                .header("x-user", "mallory")
                .header("x-other", "not sent")
                .header("x-forwarded-host", "spoofed.example")
                .header("x-auth-user", "client-chosen")
                .send();
    }

    @Test
    void theCheckCarriesMethodPrefixedPathHostAndOnlyTheChosenHeaders() {
        try (FilterHarness h = harness()) {
            StreamRun r = get(h);
            assertThat(r.requestPaused()).isTrue();
            CallOut c = h.pendingCalls().get(0);
            HttpCallRequest rq = c.request();
            assertThat(c.cluster()).isEqualTo("authz");
            assertThat(c.timeout()).isEqualTo(Duration.ofMillis(200));
            assertThat(rq.method()).isEqualTo("GET");
            assertThat(rq.path()).isEqualTo("/check/api/items?x=1");
            assertThat(rq.authority()).isEqualTo("shop.example");
            assertThat(rq.body()).isNull();
            assertThat(rq.headers())
                    .containsExactly(
                            Map.entry("authorization", "Bearer abc"),
                            Map.entry("cookie", "a=1"),
                            Map.entry("cookie", "b=2"),
                            Map.entry("x-user", "mallory"),
                            Map.entry("x-forwarded-host", "shop.example"));
        }
    }

    @Test
    void withoutPrefixThePathIsTheOriginalAndTheMethodIsKept() {
        try (FilterHarness h = FilterHarness.of(factory, Map.of("cluster", "authz"))) {
            h.request("DELETE", "/items/7").send();
            HttpCallRequest rq = h.pendingCalls().get(0).request();
            assertThat(rq.method()).isEqualTo("DELETE");
            assertThat(rq.path()).isEqualTo("/items/7");
            assertThat(rq.headers()).containsExactly(Map.entry("x-forwarded-host", "example.com"));
        }
    }

    @Test
    void a2xxAllowsAndCopiesTheAllowedHeadersUpstreamOverwritingTheClients() {
        try (FilterHarness h = harness()) {
            StreamRun r = get(h);
            h.pendingCalls()
                    .get(0)
                    .respond(
                            answer(
                                    204,
                                    "",
                                    "x-auth-user",
                                    "alice",
                                    "x-auth-user",
                                    "alice2",
                                    "x-secret",
                                    "no"));
            assertThat(r.forwarded()).isTrue();
            assertThat(r.upstreamHeaders().getAll("x-auth-user"))
                    .containsExactly("alice", "alice2");
            assertThat(r.upstreamHeaders().get("x-secret")).isNull();
            assertThat(r.upstreamHeaders().get(ExtAuthzFilter.FAILURE_MODE_HEADER)).isNull();
            assertThat(h.counter("weir_ext_authz_ok_total")).isEqualTo(1);
            assertThat(h.counter("weir_ext_authz_denied_total")).isZero();
        }
    }

    @Test
    void a403IsReturnedWithItsBodyAndOnlyTheAllowedClientHeaders() {
        try (FilterHarness h = harness()) {
            StreamRun r = get(h);
            h.pendingCalls()
                    .get(0)
                    .respond(
                            answer(
                                    403,
                                    "go away",
                                    "set-cookie",
                                    "s=1",
                                    "www-authenticate",
                                    "Bearer",
                                    "x-internal",
                                    "secret",
                                    "x-auth-user",
                                    "alice"));
            assertThat(r.forwarded()).isFalse();
            LocalReply reply = r.localReply();
            assertThat(reply.status()).isEqualTo(403);
            assertThat(reply.body()).isEqualTo("go away");
            assertThat(reply.details()).isEqualTo("ext_authz_denied");
            assertThat(reply.responseFlag()).isEqualTo("UAEX");
            assertThat(reply.headers())
                    .containsExactly(
                            Map.entry("set-cookie", "s=1"),
                            Map.entry("www-authenticate", "Bearer"));
            assertThat(h.counter("weir_ext_authz_denied_total")).isEqualTo(1);
            assertThat(h.counter("weir_ext_authz_ok_total")).isZero();
        }
    }

    @Test
    void aRedirectIsPassedWithItsLocation() {
        try (FilterHarness h = harness()) {
            StreamRun r = get(h);
            h.pendingCalls().get(0).respond(answer(302, "", "location", "https://login.example/"));
            assertThat(r.status()).isEqualTo(302);
            assertThat(r.responseHeaders().get("location")).isEqualTo("https://login.example/");
        }
    }

    @Test
    void withoutAllowedClientHeadersEveryHeaderButFramingAndHostGoesToTheClient() {
        Map<String, Object> c = config();
        c.remove("allowed_client_headers");
        try (FilterHarness h = FilterHarness.of(factory, c)) {
            StreamRun r = get(h);
            h.pendingCalls()
                    .get(0)
                    .respond(
                            answer(
                                    401,
                                    "who?",
                                    "content-length",
                                    "4",
                                    "host",
                                    "authz",
                                    "connection",
                                    "close",
                                    "x-reason",
                                    "expired"));
            assertThat(r.localReply().headers()).containsExactly(Map.entry("x-reason", "expired"));
            assertThat(r.status()).isEqualTo(401);
        }
    }

    @Test
    void aServerErrorFromTheServiceIsADenialNotAFailure() {
        try (FilterHarness h = harness("failure_mode_allow", true)) {
            StreamRun r = get(h);
            h.pendingCalls().get(0).respond(503, "busy");
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.responseBody()).isEqualTo("busy");
            assertThat(r.forwarded()).isFalse();
            assertThat(h.counter("weir_ext_authz_denied_total")).isEqualTo(1);
        }
    }

    @Test
    void aTimeoutAnswersStatusOnErrorWithUaex() {
        try (FilterHarness h = harness("status_on_error", 503)) {
            StreamRun r = get(h);
            h.advance(Duration.ofMillis(199));
            assertThat(r.over()).isFalse();
            h.advance(Duration.ofMillis(1));
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.localReply().details()).isEqualTo("ext_authz_error");
            assertThat(r.localReply().responseFlag()).isEqualTo("UAEX");
            assertThat(r.forwarded()).isFalse();
            assertThat(h.counter("weir_ext_authz_error_total", "timeout")).isEqualTo(1);
            assertThat(h.counter("weir_ext_authz_failure_mode_allowed_total")).isZero();
        }
    }

    @Test
    void theDefaultStatusOnErrorIs403() {
        try (FilterHarness h = harness()) {
            StreamRun r = get(h);
            h.pendingCalls().get(0).fail("connection_failure");
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.responseBody()).isEmpty();
            assertThat(h.counter("weir_ext_authz_error_total", "connection_failure")).isEqualTo(1);
        }
    }

    @Test
    void failureModeAllowPassesWithTheEnvoyHeaderAndCounts() {
        try (FilterHarness h = harness("failure_mode_allow", true)) {
            h.onHttpCall("authz", rq -> HttpCallResponse.failed("unknown_cluster"));
            StreamRun r = get(h);
            assertThat(r.forwarded()).isTrue();
            assertThat(r.upstreamHeaders().get("x-envoy-auth-failure-mode-allowed"))
                    .isEqualTo("true");
            assertThat(r.upstreamHeaders().get("x-auth-user")).isEqualTo("client-chosen");
            assertThat(h.counter("weir_ext_authz_error_total", "unknown_cluster")).isEqualTo(1);
            assertThat(h.counter("weir_ext_authz_failure_mode_allowed_total")).isEqualTo(1);
        }
    }

    @Test
    void theCheckIsCancelledWhenTheClientGoesAway() {
        try (FilterHarness h = harness()) {
            StreamRun r = get(h);
            CallOut c = h.pendingCalls().get(0);
            r.abort();
            assertThat(c.cancelled()).isTrue();
            assertThat(h.callsAfterDestroy()).isZero();
            h.advance(Duration.ofSeconds(1));
            assertThat(h.counter("weir_ext_authz_error_total", "timeout")).isZero();
        }
    }

    @Test
    void aRouteOverrideUsesItsOwnClusterAndPrefix() {
        try (FilterHarness h = harness()) {
            h.request("GET", "/x")
                    .routeConfig(Map.of("cluster", "other", "path_prefix", "/v2"))
                    .send();
            CallOut c = h.pendingCalls().get(0);
            assertThat(c.cluster()).isEqualTo("other");
            assertThat(c.request().path()).isEqualTo("/v2/x");
        }
    }

    @Test
    void withRequestBodyTheBodyIsSentWithTheCheckAndStillForwarded() {
        try (FilterHarness h = harness("with_request_body", Map.of("max_request_bytes", 16))) {
            h.onHttpCall("authz", rq -> answer(200, ""));
            StreamRun r = h.request("POST", "/upload").body("hello ").body("world").send();
            assertThat(h.calls().get(0).request().body())
                    .isEqualTo("hello world".getBytes(StandardCharsets.UTF_8));
            assertThat(r.forwarded()).isTrue();
            assertThat(r.upstreamBody()).isEqualTo("hello world");
        }
    }

    @Test
    void withRequestBodyTooLargeIs413AndNoCheck() {
        try (FilterHarness h = harness("with_request_body", Map.of("max_request_bytes", 4))) {
            StreamRun r = h.request("POST", "/upload").body("hello").send();
            assertThat(r.status()).isEqualTo(413);
            assertThat(h.calls()).isEmpty();
        }
    }

    @Test
    void withRequestBodyARequestWithoutBodyIsCheckedAtOnce() {
        try (FilterHarness h = harness("with_request_body", Map.of("max_request_bytes", 4))) {
            h.request("GET", "/").send();
            assertThat(h.pendingCalls()).hasSize(1);
            assertThat(h.pendingCalls().get(0).request().body()).isNull();
        }
    }
}
