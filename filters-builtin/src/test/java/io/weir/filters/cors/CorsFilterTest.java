package io.weir.filters.cors;

import static io.weir.filters.cors.FetchCors.corsCheck;
import static io.weir.filters.cors.FetchCors.preflightPasses;
import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.Headers;
import io.weir.spi.testkit.FilterHarness;
import io.weir.spi.testkit.StreamRun;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code weir.cors} against the test kit, case by case as in the Fetch standard: each case checks
 * the headers and what a browser would conclude ({@link FetchCors}).
 */
class CorsFilterTest {
    static final String APP = "https://app.example";
    static final String EVIL = "https://evil.example";

    private final CorsFilterFactory factory = new CorsFilterFactory();

    /** The brief's example config, plus what {@code extra} changes. */
    private static Map<String, Object> config(Object... extra) {
        Map<String, Object> c = new HashMap<>();
        c.put("allow_origins", List.of(APP, Map.of("regex", "https://.*\\.example\\.com")));
        c.put("allow_methods", List.of("GET", "POST", "PUT"));
        c.put("allow_headers", List.of("content-type", "authorization"));
        c.put("expose_headers", List.of("x-request-id"));
        c.put("max_age", "86400s");
        c.put("allow_credentials", false);
        for (int i = 0; i < extra.length; i += 2) {
            c.put((String) extra[i], extra[i + 1]);
        }
        return c;
    }

    private FilterHarness harness(Object... extra) {
        return FilterHarness.of(factory, config(extra));
    }

    private static StreamRun preflight(
            FilterHarness h, String origin, String method, String headers) {
        var rq =
                h.request("OPTIONS", "/api")
                        .header("origin", origin)
                        .header("access-control-request-method", method);
        if (headers != null) {
            rq.header("access-control-request-headers", headers);
        }
        return rq.send();
    }

    private static long preflights(FilterHarness h, String result) {
        return h.counter("weir_cors_preflight_total", result);
    }

    // --- requests that are not CORS

    @Test
    void aRequestWithoutOriginIsUntouched() {
        FilterHarness h = harness();
        StreamRun r = h.request("GET", "/api").send();
        assertThat(r.forwarded()).isTrue();
        r.respond(200).header("vary", "accept-encoding").send();
        assertThat(r.responseHeaders().entries())
                .containsExactly(Map.entry(":status", "200"), Map.entry("vary", "accept-encoding"));
        assertThat(h.counter("weir_cors_origin_denied_total")).isZero();
    }

    @Test
    void anOptionsRequestWithoutOriginIsForwarded() {
        FilterHarness h = harness();
        StreamRun r =
                h.request("OPTIONS", "/api").header("access-control-request-method", "PUT").send();
        assertThat(r.forwarded()).isTrue();
        assertThat(preflights(h, "allowed") + preflights(h, "denied")).isZero();
    }

    // --- simple and actual requests

    @Test
    void aSimpleRequestFromAnAllowedOriginGetsTheCorsHeaders() {
        FilterHarness h = harness();
        StreamRun r = h.request("GET", "/api").header("origin", APP).send();
        assertThat(r.forwarded()).isTrue();
        assertThat(r.upstreamHeaders().get("origin")).isEqualTo(APP);
        r.respond(200).header("x-request-id", "rq-1").send();

        Headers rh = r.responseHeaders();
        assertThat(rh.get("access-control-allow-origin")).isEqualTo(APP);
        assertThat(rh.get("access-control-expose-headers")).isEqualTo("x-request-id");
        assertThat(rh.contains("access-control-allow-credentials")).isFalse();
        assertThat(rh.contains("access-control-allow-methods")).isFalse();
        assertThat(rh.getAll("vary")).containsExactly("origin");
        assertThat(corsCheck(rh, APP, false)).isTrue();
        assertThat(corsCheck(rh, APP, true)).isFalse(); // credentials are off
    }

    @Test
    void anActualRequestFromAnOriginNotAllowedPassesWithoutCorsHeaders() {
        FilterHarness h = harness();
        StreamRun r = h.request("PUT", "/api").header("origin", EVIL).send();
        assertThat(r.forwarded()).isTrue();
        r.respond(200).send();
        assertThat(r.responseHeaders().contains("access-control-allow-origin")).isFalse();
        assertThat(r.responseHeaders().contains("vary")).isFalse();
        assertThat(corsCheck(r.responseHeaders(), EVIL, false)).isFalse();
        assertThat(h.counter("weir_cors_origin_denied_total")).isEqualTo(1);
        assertThat(preflights(h, "denied")).isZero(); // not a preflight
    }

    @Test
    void anOptionsRequestWithoutRequestMethodIsAnActualRequest() {
        FilterHarness h = harness();
        StreamRun r = h.request("OPTIONS", "/api").header("origin", APP).send();
        assertThat(r.forwarded()).isTrue();
        r.respond(204).send();
        assertThat(r.responseHeaders().get("access-control-allow-origin")).isEqualTo(APP);
        assertThat(preflights(h, "allowed")).isZero();
    }

    @Test
    void theUpstreamsOwnCorsHeadersAreReplaced() {
        FilterHarness h = harness();
        StreamRun r = h.request("GET", "/api").header("origin", APP).send();
        r.respond(200)
                .header("access-control-allow-origin", "*")
                .header("access-control-expose-headers", "x-secret")
                .send();
        assertThat(r.responseHeaders().getAll("access-control-allow-origin")).containsExactly(APP);
        assertThat(r.responseHeaders().getAll("access-control-expose-headers"))
                .containsExactly("x-request-id");
    }

    @Test
    void varyIsAppendedNotReplaced() {
        FilterHarness h = harness();
        StreamRun r = h.request("GET", "/").header("origin", APP).send();
        r.respond(200).header("vary", "accept-encoding").header("vary", "cookie").send();
        assertThat(r.responseHeaders().getAll("vary"))
                .containsExactly("accept-encoding, cookie, origin");

        StreamRun already = h.request("GET", "/").header("origin", APP).send();
        already.respond(200).header("vary", "Accept-Encoding, Origin").send();
        assertThat(already.responseHeaders().getAll("vary"))
                .containsExactly("Accept-Encoding, Origin");

        StreamRun star = h.request("GET", "/").header("origin", APP).send();
        star.respond(200).header("vary", "*").send();
        assertThat(star.responseHeaders().getAll("vary")).containsExactly("*");
    }

    @Test
    void aLaterFiltersReplyToAnAllowedOriginGetsTheHeadersToo() {
        // a later filter's local reply reaches this filter's onResponseHeaders like a response
        FilterHarness h = harness();
        StreamRun r = h.request("GET", "/api").header("origin", APP).send();
        r.respond(429).body("slow down").send();
        assertThat(r.status()).isEqualTo(429);
        assertThat(corsCheck(r.responseHeaders(), APP, false)).isTrue();
    }

    // --- preflights

    @Test
    void anAllowedPreflightIsAnsweredHereWith200AndTheCorsHeaders() {
        FilterHarness h = harness();
        StreamRun r = preflight(h, APP, "PUT", "content-type");

        assertThat(r.forwarded()).isFalse();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.localReply().details()).isEqualTo("cors_response");
        assertThat(r.responseBody()).isEmpty();
        Headers rh = r.responseHeaders();
        assertThat(rh.get("access-control-allow-origin")).isEqualTo(APP);
        assertThat(rh.get("access-control-allow-methods")).isEqualTo("GET, POST, PUT");
        assertThat(rh.get("access-control-allow-headers")).isEqualTo("content-type, authorization");
        assertThat(rh.get("access-control-max-age")).isEqualTo("86400");
        assertThat(rh.get("vary")).isEqualTo("origin");
        assertThat(rh.contains("access-control-allow-credentials")).isFalse();
        assertThat(rh.contains("access-control-expose-headers")).isFalse();
        assertThat(preflightPasses(200, rh, APP, "PUT", List.of("content-type"), false)).isTrue();
        assertThat(preflights(h, "allowed")).isEqualTo(1);
        assertThat(preflights(h, "denied")).isZero();
        assertThat(r.destroyed()).isTrue();
    }

    @Test
    void requestedHeadersAreComparedWithoutRegardToCaseAndSpacing() {
        FilterHarness h = harness();
        StreamRun r = preflight(h, APP, "POST", " Content-Type ,AUTHORIZATION");
        assertThat(preflights(h, "allowed")).isEqualTo(1);
        assertThat(
                        preflightPasses(
                                200,
                                r.responseHeaders(),
                                APP,
                                "POST",
                                List.of("content-type", "authorization"),
                                false))
                .isTrue();
    }

    @Test
    void aSafelistedMethodNeedsNoListing() {
        FilterHarness h = harness("allow_methods", List.of("PUT"));
        StreamRun r = preflight(h, APP, "POST", "content-type");
        assertThat(preflights(h, "allowed")).isEqualTo(1);
        assertThat(
                        preflightPasses(
                                200,
                                r.responseHeaders(),
                                APP,
                                "POST",
                                List.of("content-type"),
                                false))
                .isTrue();
    }

    @Test
    void aPreflightFromAnOriginNotAllowedGoesToTheUpstreamUnchanged() {
        FilterHarness h = harness();
        StreamRun r = preflight(h, EVIL, "PUT", "content-type");
        assertThat(r.forwarded()).isTrue();
        assertThat(r.localReply()).isNull();
        assertThat(r.upstreamHeaders().get("access-control-request-method")).isEqualTo("PUT");
        r.respond(204).send();
        assertThat(r.responseHeaders().contains("access-control-allow-origin")).isFalse();
        assertThat(preflightPasses(204, r.responseHeaders(), EVIL, "PUT", List.of(), false))
                .isFalse();
        assertThat(preflights(h, "denied")).isEqualTo(1);
        assertThat(h.counter("weir_cors_origin_denied_total")).isEqualTo(1);
    }

    @Test
    void withForwardingOffAPreflightFromAnOriginNotAllowedIsAnsweredWithoutCorsHeaders() {
        FilterHarness h = harness("forward_not_matching_preflights", false);
        StreamRun r = preflight(h, EVIL, "PUT", null);
        assertThat(r.forwarded()).isFalse();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.localReply().details()).isEqualTo("cors_origin_not_allowed");
        assertThat(r.responseHeaders().entries()).containsExactly(Map.entry(":status", "200"));
        assertThat(preflightPasses(200, r.responseHeaders(), EVIL, "PUT", List.of(), false))
                .isFalse();
        assertThat(preflights(h, "denied")).isEqualTo(1);
    }

    @Test
    void aPreflightForAMethodNotAllowedIsDeniedByTheBrowser() {
        FilterHarness h = harness();
        StreamRun r = preflight(h, APP, "DELETE", null);
        // as Envoy: answered here with the configured lists; the browser refuses DELETE
        assertThat(r.forwarded()).isFalse();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.responseHeaders().get("access-control-allow-methods"))
                .isEqualTo("GET, POST, PUT");
        assertThat(preflightPasses(200, r.responseHeaders(), APP, "DELETE", List.of(), false))
                .isFalse();
        assertThat(preflights(h, "denied")).isEqualTo(1);
        assertThat(preflights(h, "allowed")).isZero();
        assertThat(h.counter("weir_cors_origin_denied_total")).isZero();
    }

    @Test
    void methodsAreCaseSensitive() {
        FilterHarness h = harness();
        preflight(h, APP, "put", null);
        assertThat(preflights(h, "denied")).isEqualTo(1);
    }

    @Test
    void aPreflightForAHeaderNotAllowedIsDeniedByTheBrowser() {
        FilterHarness h = harness();
        StreamRun r = preflight(h, APP, "PUT", "content-type,x-debug");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.responseHeaders().get("access-control-allow-headers"))
                .isEqualTo("content-type, authorization");
        assertThat(
                        preflightPasses(
                                200,
                                r.responseHeaders(),
                                APP,
                                "PUT",
                                List.of("content-type", "x-debug"),
                                false))
                .isFalse();
        assertThat(preflights(h, "denied")).isEqualTo(1);
    }

    @Test
    void withCredentialsTheOriginIsEchoedAndCredentialsAllowed() {
        FilterHarness h = harness("allow_credentials", true);
        StreamRun pre = preflight(h, APP, "PUT", "authorization");
        Headers ph = pre.responseHeaders();
        assertThat(ph.get("access-control-allow-origin")).isEqualTo(APP);
        assertThat(ph.get("access-control-allow-credentials")).isEqualTo("true");
        assertThat(preflightPasses(200, ph, APP, "PUT", List.of("authorization"), true)).isTrue();

        StreamRun r = h.request("PUT", "/api").header("origin", APP).send();
        r.respond(200).send();
        assertThat(r.responseHeaders().get("access-control-allow-credentials")).isEqualTo("true");
        assertThat(corsCheck(r.responseHeaders(), APP, true)).isTrue();
    }

    @Test
    void withoutCredentialsACredentialedRequestIsDeniedByTheBrowser() {
        FilterHarness h = harness();
        StreamRun pre = preflight(h, APP, "PUT", null);
        assertThat(preflightPasses(200, pre.responseHeaders(), APP, "PUT", List.of(), true))
                .isFalse();
    }

    @Test
    void aWildcardAllowsAnyOriginWithAStar() {
        FilterHarness h = harness("allow_origins", List.of("*"));
        StreamRun pre = preflight(h, EVIL, "PUT", null);
        assertThat(pre.responseHeaders().get("access-control-allow-origin")).isEqualTo("*");
        assertThat(pre.responseHeaders().get("vary")).isEqualTo("origin");
        assertThat(preflightPasses(200, pre.responseHeaders(), EVIL, "PUT", List.of(), false))
                .isTrue();

        StreamRun r = h.request("GET", "/").header("origin", "null").send();
        r.respond(200).send();
        assertThat(r.responseHeaders().get("access-control-allow-origin")).isEqualTo("*");
        assertThat(corsCheck(r.responseHeaders(), "null", false)).isTrue();
        assertThat(h.counter("weir_cors_origin_denied_total")).isZero();
    }

    @Test
    void aWildcardMayBeGivenAsAPlainString() {
        FilterHarness h = harness("allow_origins", "*");
        StreamRun r = h.request("GET", "/").header("origin", EVIL).send();
        r.respond(200).send();
        assertThat(r.responseHeaders().get("access-control-allow-origin")).isEqualTo("*");
    }

    @Test
    void aRegexMustMatchTheWholeOrigin() {
        FilterHarness h = harness();
        StreamRun ok = preflight(h, "https://shop.example.com", "GET", null);
        assertThat(ok.responseHeaders().get("access-control-allow-origin"))
                .isEqualTo("https://shop.example.com");
        assertThat(
                        preflightPasses(
                                200,
                                ok.responseHeaders(),
                                "https://shop.example.com",
                                "GET",
                                List.of(),
                                false))
                .isTrue();

        for (String origin :
                List.of(
                        "https://shop.example.com.attacker.test",
                        "http://shop.example.com",
                        "xhttps://shop.example.com")) {
            StreamRun r = preflight(h, origin, "GET", null);
            assertThat(r.forwarded()).as(origin).isTrue();
        }
        assertThat(preflights(h, "allowed")).isEqualTo(1);
        assertThat(preflights(h, "denied")).isEqualTo(3);
    }

    @Test
    void exactOriginsCompareSchemeHostAndPortWithTheHostCaseInsensitive() {
        FilterHarness h =
                harness("allow_origins", List.of("https://App.Example", "http://localhost:8080"));
        for (String allowed :
                List.of(
                        "https://app.example",
                        "https://APP.example",
                        "https://app.example:443",
                        "http://localhost:8080")) {
            StreamRun r = h.request("GET", "/").header("origin", allowed).send();
            r.respond(200).send();
            assertThat(r.responseHeaders().get("access-control-allow-origin"))
                    .as(allowed)
                    .isEqualTo(allowed); // the request's own origin is echoed
        }
        for (String denied :
                List.of(
                        "http://app.example",
                        "https://app.example:8443",
                        "https://app.example.evil",
                        "http://localhost",
                        "http://localhost:8081",
                        "https://app.example/",
                        "null")) {
            StreamRun r = h.request("GET", "/").header("origin", denied).send();
            r.respond(200).send();
            assertThat(r.responseHeaders().contains("access-control-allow-origin"))
                    .as(denied)
                    .isFalse();
        }
        assertThat(h.counter("weir_cors_origin_denied_total")).isEqualTo(7);
    }

    @Test
    void starMethodsAndHeadersEchoWhatWasRequested() {
        FilterHarness h = harness("allow_methods", List.of("*"), "allow_headers", List.of("*"));
        StreamRun r = preflight(h, APP, "PATCH", "x-a, authorization");
        assertThat(r.responseHeaders().get("access-control-allow-methods")).isEqualTo("PATCH");
        assertThat(r.responseHeaders().get("access-control-allow-headers"))
                .isEqualTo("x-a, authorization");
        assertThat(
                        preflightPasses(
                                200,
                                r.responseHeaders(),
                                APP,
                                "PATCH",
                                List.of("x-a", "authorization"),
                                false))
                .isTrue();
        assertThat(preflights(h, "allowed")).isEqualTo(1);

        StreamRun noHeaders = preflight(h, APP, "PATCH", null);
        assertThat(noHeaders.responseHeaders().contains("access-control-allow-headers")).isFalse();
    }

    @Test
    void optionalHeadersAreLeftOutWhenNotConfigured() {
        FilterHarness h = FilterHarness.of(factory, Map.of("allow_origins", List.of(APP)));
        StreamRun pre = preflight(h, APP, "GET", null);
        assertThat(pre.responseHeaders().entries())
                .containsExactly(
                        Map.entry(":status", "200"),
                        Map.entry("access-control-allow-origin", APP),
                        Map.entry("vary", "origin"));
        assertThat(preflights(h, "allowed")).isEqualTo(1);

        StreamRun denied = preflight(h, APP, "PUT", null); // only safelisted methods
        assertThat(preflightPasses(200, denied.responseHeaders(), APP, "PUT", List.of(), false))
                .isFalse();
        assertThat(preflights(h, "denied")).isEqualTo(1);

        StreamRun r = h.request("GET", "/").header("origin", APP).send();
        r.respond(200).send();
        assertThat(r.responseHeaders().contains("access-control-expose-headers")).isFalse();
    }

    // --- per-route config

    @Test
    void aRouteOverrideReplacesThePolicy() {
        FilterHarness h = harness();
        StreamRun r =
                h.request("OPTIONS", "/partner")
                        .header("origin", "https://partner.test")
                        .header("access-control-request-method", "DELETE")
                        .routeConfig(
                                Map.of(
                                        "allow_origins", List.of("https://partner.test"),
                                        "allow_methods", List.of("DELETE")))
                        .send();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.responseHeaders().get("access-control-allow-methods")).isEqualTo("DELETE");
        assertThat(
                        preflightPasses(
                                200,
                                r.responseHeaders(),
                                "https://partner.test",
                                "DELETE",
                                List.of(),
                                false))
                .isTrue();

        StreamRun listener = preflight(h, "https://partner.test", "DELETE", null);
        assertThat(listener.forwarded()).isTrue();
    }

    @Test
    void leavesNoCallsAfterDestroy() {
        FilterHarness h = harness();
        preflight(h, APP, "PUT", null);
        StreamRun r = h.request("GET", "/").header("origin", APP).send();
        r.respond(200).body("x").send();
        assertThat(r.destroyed()).isTrue();
        assertThat(h.callsAfterDestroy()).isZero();
    }
}
