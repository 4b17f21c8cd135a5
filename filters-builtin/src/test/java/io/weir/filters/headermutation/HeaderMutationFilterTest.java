package io.weir.filters.headermutation;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.testkit.FilterHarness;
import io.weir.spi.testkit.StreamRun;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeaderMutationFilterTest {
    private final HeaderMutationFilterFactory factory = new HeaderMutationFilterFactory();

    private static Map<String, Object> entry(String name, String value) {
        return Map.of("name", name, "value", value);
    }

    private FilterHarness harness(String direction, String op, Object list) {
        return FilterHarness.of(factory, Map.of(direction, Map.of(op, list)));
    }

    // --- each operation, request direction

    @Test
    void requestAddAppendsAndKeepsTheExistingField() {
        FilterHarness h = harness("request", "add", List.of(entry("x-tag", "proxy")));
        StreamRun r = h.request("GET", "/").header("x-tag", "client").send();
        assertThat(r.upstreamHeaders().getAll("x-tag")).containsExactly("client", "proxy");
        StreamRun fresh = h.request("GET", "/").send();
        assertThat(fresh.upstreamHeaders().getAll("x-tag")).containsExactly("proxy");
    }

    @Test
    void requestSetReplacesEveryFieldOfTheName() {
        FilterHarness h = harness("request", "set", List.of(entry("x-env", "prod")));
        StreamRun r = h.request("GET", "/").header("x-env", "dev").header("X-Env", "test").send();
        assertThat(r.upstreamHeaders().getAll("x-env")).containsExactly("prod");
    }

    @Test
    void requestRemoveDropsEveryFieldOfTheName() {
        FilterHarness h = harness("request", "remove", List.of("x-internal-secret"));
        StreamRun r =
                h.request("GET", "/")
                        .header("x-internal-secret", "a")
                        .header("x-internal-secret", "b")
                        .header("x-other", "kept")
                        .send();
        assertThat(r.upstreamHeaders().contains("x-internal-secret")).isFalse();
        assertThat(r.upstreamHeaders().get("x-other")).isEqualTo("kept");
    }

    @Test
    void requestRenameMovesEveryValueAndReplacesTheTarget() {
        FilterHarness h =
                harness("request", "rename", List.of(Map.of("from", "x-old", "to", "x-new")));
        StreamRun r =
                h.request("GET", "/")
                        .header("x-old", "1")
                        .header("x-old", "2")
                        .header("x-new", "stale")
                        .send();
        assertThat(r.upstreamHeaders().contains("x-old")).isFalse();
        assertThat(r.upstreamHeaders().getAll("x-new")).containsExactly("1", "2");
    }

    @Test
    void requestRenameOfAnAbsentHeaderLeavesTheTargetAlone() {
        FilterHarness h =
                harness("request", "rename", List.of(Map.of("from", "x-old", "to", "x-new")));
        StreamRun r = h.request("GET", "/").header("x-new", "client").send();
        assertThat(r.upstreamHeaders().getAll("x-new")).containsExactly("client");
    }

    @Test
    void requestHostCanBeSet() {
        FilterHarness h = harness("request", "set", List.of(entry("host", "internal.example")));
        StreamRun r = h.request("GET", "/").header("host", "public.example").send();
        assertThat(r.upstreamHeaders().getAll("host")).containsExactly("internal.example");
    }

    // --- each operation, response direction

    @Test
    void responseAddAppendsAndKeepsTheExistingField() {
        FilterHarness h = harness("response", "add", List.of(entry("cache-control", "private")));
        StreamRun r = h.request("GET", "/").send();
        r.respond(200).header("cache-control", "max-age=60").send();
        assertThat(r.responseHeaders().getAll("cache-control"))
                .containsExactly("max-age=60", "private");
    }

    @Test
    void responseSetReplacesEveryFieldOfTheName() {
        FilterHarness h = harness("response", "set", List.of(entry("server", "weir")));
        StreamRun r = h.request("GET", "/").send();
        r.respond(200).header("server", "nginx").header("server", "again").send();
        assertThat(r.responseHeaders().getAll("server")).containsExactly("weir");
    }

    @Test
    void responseRemoveDropsEveryFieldOfTheName() {
        FilterHarness h = harness("response", "remove", List.of("x-powered-by"));
        StreamRun r = h.request("GET", "/").send();
        r.respond(200).header("x-powered-by", "php").header("x-kept", "1").send();
        assertThat(r.responseHeaders().contains("x-powered-by")).isFalse();
        assertThat(r.responseHeaders().get("x-kept")).isEqualTo("1");
    }

    @Test
    void responseRenameMovesEveryValue() {
        FilterHarness h =
                harness(
                        "response",
                        "rename",
                        List.of(Map.of("from", "x-backend", "to", "x-served-by")));
        StreamRun r = h.request("GET", "/").send();
        r.respond(200).header("x-backend", "b1").send();
        assertThat(r.responseHeaders().contains("x-backend")).isFalse();
        assertThat(r.responseHeaders().getAll("x-served-by")).containsExactly("b1");
    }

    @Test
    void eachDirectionOnlyTouchesItsOwnHeaders() {
        FilterHarness h =
                FilterHarness.of(
                        factory,
                        Map.of(
                                "request", Map.of("remove", List.of("x-a")),
                                "response", Map.of("remove", List.of("x-b"))));
        StreamRun r = h.request("GET", "/").header("x-a", "1").header("x-b", "1").send();
        assertThat(r.upstreamHeaders().contains("x-a")).isFalse();
        assertThat(r.upstreamHeaders().get("x-b")).isEqualTo("1");
        r.respond(200).header("x-a", "2").header("x-b", "2").send();
        assertThat(r.responseHeaders().get("x-a")).isEqualTo("2");
        assertThat(r.responseHeaders().contains("x-b")).isFalse();
    }

    @Test
    void responseMutationsApplyWhateverTheStatus() {
        // a later filter's local reply reaches this filter as a response like this one
        FilterHarness h = harness("response", "set", List.of(entry("x-served-by", "weir")));
        StreamRun r = h.request("GET", "/").send();
        r.respond(429).header("content-type", "text/plain").body("slow down").send();
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.responseHeaders().get("x-served-by")).isEqualTo("weir");
    }

    // --- order

    @Test
    void appliesRemoveThenRenameThenSetThenAdd() {
        Object raw =
                Map.of(
                        "request",
                        Map.of(
                                // listed in the opposite order on purpose
                                "add", List.of(entry("x-b", "added")),
                                "set", List.of(entry("x-b", "set")),
                                "rename", List.of(Map.of("from", "x-a", "to", "x-b")),
                                "remove", List.of("x-a")));
        FilterHarness h = FilterHarness.of(factory, raw);
        StreamRun r = h.request("GET", "/").header("x-a", "renamed").send();
        // remove drops x-a before rename sees it; set replaces; add appends after set
        assertThat(r.upstreamHeaders().contains("x-a")).isFalse();
        assertThat(r.upstreamHeaders().getAll("x-b")).containsExactly("set", "added");

        FilterHarness renameThenSet =
                FilterHarness.of(
                        factory,
                        Map.of(
                                "request",
                                Map.of(
                                        "rename", List.of(Map.of("from", "x-a", "to", "x-b")),
                                        "add", List.of(entry("x-b", "added")))));
        StreamRun r2 = renameThenSet.request("GET", "/").header("x-a", "moved").send();
        assertThat(r2.upstreamHeaders().getAll("x-b")).containsExactly("moved", "added");
    }

    @Test
    void valuesAreRenderedFromTheHeadersAsTheyReachedTheFilter() {
        FilterHarness h =
                FilterHarness.of(
                        factory,
                        Map.of(
                                "request",
                                Map.of(
                                        "remove", List.of("x-user"),
                                        "set", List.of(entry("x-was-user", "%REQ(x-user)%")))));
        StreamRun r = h.request("GET", "/").header("x-user", "alice").send();
        assertThat(r.upstreamHeaders().contains("x-user")).isFalse();
        assertThat(r.upstreamHeaders().get("x-was-user")).isEqualTo("alice");
    }

    // --- templates

    @Test
    void clientIpIsTheSourceAddressWithoutThePort() {
        FilterHarness h =
                harness(
                        "request",
                        "add",
                        List.of(
                                entry("x-client", "%CLIENT_IP%"),
                                entry("x-peer", "%DOWNSTREAM_REMOTE_ADDRESS%")));
        StreamRun v4 = h.request("GET", "/").property("source.address", "10.0.0.7:5123").send();
        assertThat(v4.upstreamHeaders().get("x-client")).isEqualTo("10.0.0.7");
        assertThat(v4.upstreamHeaders().get("x-peer")).isEqualTo("10.0.0.7:5123");
        StreamRun v6 =
                h.request("GET", "/").property("source.address", "0:0:0:0:0:0:0:1:5123").send();
        assertThat(v6.upstreamHeaders().get("x-client")).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(Template.withoutPort("[::1]:80")).isEqualTo("::1");
        assertThat(Template.withoutPort("localhost")).isEqualTo("localhost");
    }

    @Test
    void requestIdRouteNameAndUpstreamClusterComeFromTheirProperties() {
        FilterHarness h =
                harness(
                        "request",
                        "set",
                        List.of(
                                entry("x-id", "rq-%REQUEST_ID%"),
                                entry("x-route", "%ROUTE_NAME%"),
                                entry("x-cluster", "%UPSTREAM_CLUSTER%")));
        StreamRun r =
                h.request("GET", "/")
                        .header("x-request-id", "abc-123")
                        .property("route_name", "users")
                        .property("cluster_name", "users-v1")
                        .send();
        assertThat(r.upstreamHeaders().get("x-id")).isEqualTo("rq-abc-123");
        assertThat(r.upstreamHeaders().get("x-route")).isEqualTo("users");
        assertThat(r.upstreamHeaders().get("x-cluster")).isEqualTo("users-v1");
    }

    @Test
    void reqJoinsEveryValueOfTheRequestHeaderAndReadsPseudoHeaders() {
        FilterHarness h =
                harness(
                        "request",
                        "set",
                        List.of(
                                entry("x-langs", "[%REQ(Accept-Language)%]"),
                                entry("x-target", "%REQ(:method)% %REQ(:path)%")));
        StreamRun r =
                h.request("POST", "/orders?id=1")
                        .header("accept-language", "en")
                        .header("accept-language", "fr")
                        .send();
        assertThat(r.upstreamHeaders().get("x-langs")).isEqualTo("[en,fr]");
        assertThat(r.upstreamHeaders().get("x-target")).isEqualTo("POST /orders?id=1");
    }

    @Test
    void responseTemplatesReadTheRequestHeaders() {
        FilterHarness h = harness("response", "set", List.of(entry("x-echo", "%REQ(x-user)%")));
        StreamRun r = h.request("GET", "/").header("x-user", "bob").send();
        r.respond(200).header("x-user", "not-this").send();
        assertThat(r.responseHeaders().get("x-echo")).isEqualTo("bob");
    }

    @Test
    void startTimeIsRfc3339FromTheInjectedClockAndTheSameInBothDirections() {
        FilterHarness h =
                FilterHarness.of(
                        factory,
                        Map.of(
                                "request", Map.of("set", List.of(entry("x-start", "%START_TIME%"))),
                                "response",
                                        Map.of("set", List.of(entry("x-start", "%START_TIME%")))));
        h.advance(Duration.ofMillis(1_234));
        StreamRun r = h.request("GET", "/").send();
        assertThat(r.upstreamHeaders().get("x-start")).isEqualTo("2023-11-14T22:13:21.234Z");
        h.advance(Duration.ofSeconds(5));
        r.respond(200).send();
        assertThat(r.responseHeaders().get("x-start")).isEqualTo("2023-11-14T22:13:21.234Z");
    }

    @Test
    void doublePercentIsALiteralPercent() {
        FilterHarness h = harness("request", "set", List.of(entry("x-off", "50%% for %REQ(x-u)%")));
        StreamRun r = h.request("GET", "/").header("x-u", "you").send();
        assertThat(r.upstreamHeaders().get("x-off")).isEqualTo("50% for you");
    }

    @Test
    void aValueThatRendersEmptyIsNotAddedAndASetOneRemovesTheClientsValue() {
        FilterHarness h =
                FilterHarness.of(
                        factory,
                        Map.of(
                                "request",
                                Map.of(
                                        "add", List.of(entry("x-added", "%REQ(x-missing)%")),
                                        "set", List.of(entry("x-user", "%REQ(x-auth-user)%")))));
        StreamRun r = h.request("GET", "/").header("x-user", "spoofed").send();
        assertThat(r.upstreamHeaders().contains("x-added")).isFalse();
        assertThat(r.upstreamHeaders().contains("x-user")).isFalse();

        StreamRun ok = h.request("GET", "/").header("x-auth-user", "alice").send();
        assertThat(ok.upstreamHeaders().get("x-user")).isEqualTo("alice");
    }

    @Test
    void aMissingPropertyRendersAsEmptyText() {
        FilterHarness h = harness("request", "set", List.of(entry("x-route", "r=%ROUTE_NAME%")));
        StreamRun r = h.request("GET", "/").send();
        assertThat(r.upstreamHeaders().get("x-route")).isEqualTo("r=");
    }

    // --- per-route override

    @Test
    void aRouteOverrideReplacesTheListenersMutations() {
        FilterHarness h = harness("request", "set", List.of(entry("x-env", "listener")));
        StreamRun route =
                h.request("GET", "/")
                        .routeConfig(
                                Map.of("request", Map.of("set", List.of(entry("x-env", "route")))))
                        .send();
        assertThat(route.upstreamHeaders().get("x-env")).isEqualTo("route");

        StreamRun empty = h.request("GET", "/").routeConfig(Map.of()).header("x-env", "c").send();
        assertThat(empty.upstreamHeaders().get("x-env")).isEqualTo("c");

        StreamRun listener = h.request("GET", "/").send();
        assertThat(listener.upstreamHeaders().get("x-env")).isEqualTo("listener");
    }

    @Test
    void neverStopsNorRepliesAndLeavesNoCallsAfterDestroy() {
        FilterHarness h = harness("request", "set", List.of(entry("x-a", "1")));
        StreamRun r = h.request("GET", "/").body("x").send();
        assertThat(r.forwarded()).isTrue();
        r.respond(200).body("ok").send();
        assertThat(r.localReply()).isNull();
        assertThat(r.destroyed()).isTrue();
        assertThat(h.callsAfterDestroy()).isZero();
    }
}
