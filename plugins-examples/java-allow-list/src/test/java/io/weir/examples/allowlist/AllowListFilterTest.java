package io.weir.examples.allowlist;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.HttpCallResponse;
import io.weir.spi.SharedData;
import io.weir.spi.testkit.CallOut;
import io.weir.spi.testkit.FilterHarness;
import io.weir.spi.testkit.StreamRun;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class AllowListFilterTest {
    private static final String DECISIONS = "example_allow_list_decisions_total";

    private static FilterHarness harness(Object... extra) {
        Map<String, Object> config = new HashMap<>(Map.of("cluster", "auth"));
        for (int i = 0; i < extra.length; i += 2) {
            config.put((String) extra[i], extra[i + 1]);
        }
        return FilterHarness.of(new AllowListFilterFactory(), config);
    }

    private static HttpCallResponse answer(int status) {
        return new HttpCallResponse(status, List.of(), new byte[0], null);
    }

    private static StreamRun send(FilterHarness h, String user) {
        return h.request("GET", "/orders").header("x-api-user", user).send();
    }

    @Test
    void allowsWhenTheServiceAnswers2xx() {
        FilterHarness h = harness().onHttpCall("auth", req -> answer(204));
        StreamRun r = send(h, "alice");

        assertThat(h.calls())
                .singleElement()
                .satisfies(
                        c -> {
                            assertThat(c.request().method()).isEqualTo("GET");
                            assertThat(c.request().path()).isEqualTo("/allow/alice");
                            assertThat(c.timeout()).isEqualTo(Duration.ofMillis(200));
                        });
        assertThat(r.forwarded()).isTrue();
        assertThat(h.counter(DECISIONS, "allowed")).isEqualTo(1);
    }

    @Test
    void deniesWith403WhenTheServiceAnswers403Or404() {
        FilterHarness h =
                harness()
                        .onHttpCall("auth", req -> answer(req.path().endsWith("/bob") ? 403 : 404));
        for (String user : List.of("bob", "carol")) {
            StreamRun r = send(h, user);
            assertThat(r.forwarded()).isFalse();
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.responseBody()).isEqualTo("forbidden\n");
            assertThat(r.localReply().details()).isEqualTo("allow_list_denied");
            assertThat(r.localReply().responseFlag()).isEqualTo("UAEX");
        }
        assertThat(h.counter(DECISIONS, "denied")).isEqualTo(2);
    }

    @Test
    void rejectsAMissingHeaderWith401WithoutACallOut() {
        FilterHarness h = harness();
        StreamRun r = h.request("GET", "/").send();

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.responseBody()).isEqualTo("missing x-api-user\n");
        assertThat(h.calls()).isEmpty();
        assertThat(h.counter(DECISIONS, "missing_header")).isEqualTo(1);
    }

    @Test
    void aCachedAnswerAvoidsASecondCallOut() {
        FilterHarness h = harness().onHttpCall("auth", req -> answer(200));
        send(h, "alice");
        StreamRun second = send(h, "alice");

        assertThat(h.calls()).hasSize(1);
        assertThat(second.forwarded()).isTrue();
        assertThat(h.counter(DECISIONS, "allowed")).isEqualTo(2);
    }

    @Test
    void aCachedDenialAnswersAtOnce() {
        FilterHarness h = harness().onHttpCall("auth", req -> answer(403));
        send(h, "mallory");
        StreamRun second = send(h, "mallory");

        assertThat(h.calls()).hasSize(1);
        assertThat(second.status()).isEqualTo(403);
    }

    @Test
    void theCacheExpiresAfterItsTtl() {
        FilterHarness h = harness("cache_ttl", "30s").onHttpCall("auth", req -> answer(200));
        send(h, "alice");

        h.advance(Duration.ofMillis(29_999));
        send(h, "alice");
        assertThat(h.calls()).hasSize(1);

        h.advance(Duration.ofMillis(1));
        send(h, "alice");
        assertThat(h.calls()).hasSize(2);
    }

    @Test
    void aZeroTtlAsksEveryTime() {
        FilterHarness h = harness("cache_ttl", "0s").onHttpCall("auth", req -> answer(200));
        send(h, "alice");
        send(h, "alice");
        assertThat(h.calls()).hasSize(2);
    }

    @Test
    void aTimeoutDeniesWith503AndUaexByDefault() {
        FilterHarness h = harness();
        StreamRun r = send(h, "alice");
        assertThat(r.requestPaused()).isTrue();

        h.advance(Duration.ofMillis(199));
        assertThat(r.over()).isFalse();
        h.advance(Duration.ofMillis(1));

        assertThat(h.calls().get(0).response().failure()).isEqualTo("timeout");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.localReply().responseFlag()).isEqualTo("UAEX");
        assertThat(r.localReply().details()).isEqualTo("allow_list_unavailable");
        assertThat(h.counter(DECISIONS, "failure_denied")).isEqualTo(1);
    }

    @Test
    void aTimeoutAllowsWithFailureModeAllow() {
        FilterHarness h = harness("failure_mode_allow", true, "timeout", "1s");
        StreamRun r = send(h, "alice");

        h.advance(Duration.ofSeconds(1));

        assertThat(r.forwarded()).isTrue();
        assertThat(h.counter(DECISIONS, "failure_allowed")).isEqualTo(1);
        assertThat(h.counter(DECISIONS, "allowed")).isZero();
    }

    @Test
    void anUnexpectedStatusIsAFailureAndIsNotCached() {
        FilterHarness h = harness().onHttpCall("auth", req -> answer(500));
        StreamRun first = send(h, "alice");
        StreamRun second = send(h, "alice");

        assertThat(first.status()).isEqualTo(503);
        assertThat(second.status()).isEqualTo(503);
        assertThat(h.calls()).hasSize(2);
        assertThat(h.sharedData().get("auth /allow/alice")).isNull();
    }

    @Test
    void theUserIsEncodedAsOnePathSegment() {
        FilterHarness h = harness().onHttpCall("auth", req -> answer(200));
        send(h, "../admin?x=1 é");
        assertThat(h.calls().get(0).request().path())
                .isEqualTo("/allow/%2E%2E%2Fadmin%3Fx%3D1%20%C3%A9");
    }

    @Test
    void keepsAnotherWorkersAnswerStoredDuringTheCallOut() {
        FilterHarness h = harness();
        SharedData data = h.sharedData();
        data.set("auth /allow/alice", "allow 1".getBytes(UTF_8), 0); // stale: expired in 1970
        StreamRun r = send(h, "alice");
        CallOut call = h.pendingCalls().get(0);

        long later = h.currentTimeMillis() + 60_000;
        assertThat(data.set("auth /allow/alice", ("deny " + later).getBytes(UTF_8), 1)).isTrue();
        call.respond(200, "");

        assertThat(r.forwarded()).isTrue(); // this request goes by its own answer
        assertThat(new String(data.get("auth /allow/alice").value(), UTF_8))
                .isEqualTo("deny " + later);
        assertThat(send(h, "alice").status()).isEqualTo(403);
    }

    @Test
    void storesTheAnswerWithItsExpiry() {
        FilterHarness h = harness("cache_ttl", "1m").onHttpCall("auth", req -> answer(200));
        send(h, "alice");
        SharedData.Entry e = h.sharedData().get("auth /allow/alice");
        assertThat(new String(e.value(), UTF_8))
                .isEqualTo("allow " + (FilterHarness.START_MILLIS + 60_000));
        assertThat(e.version()).isEqualTo(1);
    }

    @Test
    void aClientThatLeavesDuringTheCallOutIsNotDecided() {
        FilterHarness h = harness();
        StreamRun r = send(h, "alice");
        r.abort();

        assertThat(h.calls().get(0).cancelled()).isTrue();
        h.advance(Duration.ofSeconds(1));
        assertThat(h.counter(DECISIONS, "failure_denied")).isZero();
        assertThat(h.callsAfterDestroy()).isZero();
    }

    @Test
    void aRouteOverrideAsksItsOwnCluster() {
        FilterHarness h =
                harness()
                        .onHttpCall("auth", req -> answer(403))
                        .onHttpCall("partners", req -> answer(200));
        StreamRun r =
                h.request("GET", "/partner/x")
                        .header("x-api-user", "alice")
                        .routeConfig(Map.of("cluster", "partners"))
                        .send();
        assertThat(r.forwarded()).isTrue();
        assertThat(send(h, "alice").status()).isEqualTo(403);
    }

    @Test
    void failuresWarnAtMostOnceEveryTenSecondsPerWorker() {
        List<String> warnings = new ArrayList<>();
        Handler handler =
                new Handler() {
                    @Override
                    public void publish(LogRecord record) {
                        warnings.add(record.getLevel() + " " + record.getMessage());
                    }

                    @Override
                    public void flush() {}

                    @Override
                    public void close() {}
                };
        // the JDK's default System.Logger goes to java.util.logging under the same name
        Logger jul = Logger.getLogger("weir.filter.example.allow_list");
        jul.addHandler(handler);
        try {
            FilterHarness h =
                    harness()
                            .onHttpCall(
                                    "auth", req -> HttpCallResponse.failed("connection_failure"));
            send(h, "a");
            send(h, "b");
            send(h, "c");
            h.advance(Duration.ofSeconds(10));
            send(h, "d");

            assertThat(warnings)
                    .containsExactly(
                            "WARNING allow list call-out failed cluster=auth"
                                    + " reason=connection_failure suppressed=0",
                            "WARNING allow list call-out failed cluster=auth"
                                    + " reason=connection_failure suppressed=2");
            assertThat(h.counter(DECISIONS, "failure_denied")).isEqualTo(4);
        } finally {
            jul.removeHandler(handler);
        }
    }
}
