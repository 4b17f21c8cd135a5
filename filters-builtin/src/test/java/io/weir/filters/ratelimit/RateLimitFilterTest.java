package io.weir.filters.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.testkit.FilterHarness;
import io.weir.spi.testkit.Request;
import io.weir.spi.testkit.StreamRun;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The filter against a fake Redis and the SPI's test kit (manual clock; the executor's posts run
 * when the test drives a step): decisions, races, failure modes.
 */
class RateLimitFilterTest {
    static final Map<String, String> CLIENT = Map.of("source.address", "10.0.0.7:51234");

    final FakeRedis redis = new FakeRedis();

    FilterHarness harness(Map<String, Object> overrides) {
        Map<String, Object> raw =
                RateLimitConfigTest.with("limit", Map.of("requests", 10, "per", "60s"));
        raw.putAll(overrides);
        return FilterHarness.of(new RateLimitFilterFactory(redis), raw);
    }

    FilterHarness harness() {
        return harness(Map.of());
    }

    FilterHarness denying() {
        return harness(Map.of("failure_mode_deny", true));
    }

    /** A GET with these headers and properties; the filter's {@code onRequestHeaders} runs. */
    static Request get(FilterHarness h, Map<String, String> headers, Map<String, String> props) {
        Request rq = h.request("GET", "/");
        headers.forEach(rq::header);
        props.forEach(rq::property);
        return rq;
    }

    static StreamRun send(FilterHarness h, Map<String, String> headers, Map<String, String> props) {
        return get(h, headers, props).send();
    }

    /** A GET from {@link #CLIENT}. */
    static StreamRun send(FilterHarness h) {
        return send(h, Map.of(), CLIENT);
    }

    @Test
    void holdsTheRequestUntilRedisAllowsItThenContinues() {
        FilterHarness h = harness();
        StreamRun s = send(h);
        assertThat(s.requestPaused()).isTrue();
        assertThat(s.forwarded()).isFalse();
        FakeRedis.Call c = redis.last();
        assertThat(c.script()).isEqualTo(Script.SLIDING_WINDOW);
        assertThat(c.key()).isEqualTo("weir:rl:weir.ratelimit:10.0.0.7");
        assertThat(c.args()).hasSize(3).startsWith("10", "60000");
        assertThat(c.timeout()).isEqualTo(Duration.ofMillis(50));

        c.reply(1, 9, 60_000);
        assertThat(s.requestPaused())
                .as("nothing touches the stream before the worker runs it")
                .isTrue();
        assertThat(h.counter("weir_ratelimit_allowed_total"))
                .as("the reply is handled on the worker, not in the Redis callback")
                .isZero();
        h.runPending();
        assertThat(s.forwarded()).isTrue();
        assertThat(s.localReply()).isNull();
        assertThat(h.counter("weir_ratelimit_allowed_total")).isEqualTo(1);
    }

    @Test
    void slidingWindowMembersAreUniquePerRequest() {
        FilterHarness h = harness();
        send(h);
        send(h);
        assertThat(redis.calls.get(0).args().get(2)).isNotEqualTo(redis.calls.get(1).args().get(2));
    }

    @Test
    void fixedWindowRunsItsOwnScriptWithLimitAndWindow() {
        FilterHarness h = harness(Map.of("algorithm", "fixed_window"));
        send(h);
        assertThat(redis.last().script()).isEqualTo(Script.FIXED_WINDOW);
        assertThat(redis.last().args()).containsExactly("10", "60000");
    }

    @Test
    void limitedAnswers429WithRetryAfterInWholeSecondsRoundedUp() {
        FilterHarness h = harness();
        long[][] cases = {{1500, 2}, {1000, 1}, {1, 1}, {0, 1}, {59_001, 60}};
        for (long[] c : cases) {
            StreamRun s = send(h);
            redis.last().reply(0, 0, c[0]);
            h.runPending();
            assertThat(s.localReply().status()).isEqualTo(429);
            assertThat(s.localReply().body()).isEqualTo("rate_limited");
            assertThat(s.localReply().details()).isEqualTo("rate_limited");
            assertThat(s.localReply().responseFlag()).isEqualTo("RL");
            assertThat(s.localReply().headers())
                    .as("%d ms", c[0])
                    .containsExactly(Map.entry("retry-after", Long.toString(c[1])));
            assertThat(s.status()).isEqualTo(429);
            assertThat(s.forwarded()).isFalse();
        }
        assertThat(h.counter("weir_ratelimit_limited_total")).isEqualTo(cases.length);
        assertThat(h.counter("weir_ratelimit_allowed_total")).isZero();
    }

    @Test
    void aTimeoutAllowsByDefaultAtTheTimeoutAndTheLateReplyIsIgnored() {
        FilterHarness h = harness();
        StreamRun s = send(h);
        h.advance(Duration.ofMillis(49));
        assertThat(s.requestPaused()).isTrue();
        h.advance(Duration.ofMillis(1));
        assertThat(s.forwarded()).isTrue();
        assertThat(h.counter("weir_ratelimit_redis_errors_total", "timeout")).isEqualTo(1);
        assertThat(h.counter("weir_ratelimit_failure_mode_allowed_total")).isEqualTo(1);

        redis.last().reply(0, 0, 1000); // too late: the timer decided
        h.runPending();
        assertThat(s.localReply()).isNull();
        assertThat(s.over()).isFalse();
        assertThat(h.counter("weir_ratelimit_limited_total")).isZero();
        assertThat(h.counter("weir_ratelimit_allowed_total")).isZero();
    }

    @Test
    void aTimeoutDeniesWith500WhenFailureModeDeny() {
        FilterHarness h = denying();
        StreamRun s = send(h);
        h.advance(Duration.ofMillis(50));
        assertThat(s.localReply().status()).isEqualTo(500);
        assertThat(s.localReply().body()).isEqualTo("rate limit service unavailable");
        assertThat(s.localReply().details()).isEqualTo("ratelimit_unavailable");
        assertThat(h.counter("weir_ratelimit_redis_errors_total", "timeout")).isEqualTo(1);
        assertThat(h.counter("weir_ratelimit_failure_mode_allowed_total")).isZero();

        redis.last().reply(1, 9, 1000); // the stream is over: dropped
        h.runPending();
        assertThat(s.forwarded()).isFalse();
        assertThat(h.counter("weir_ratelimit_allowed_total")).isZero();
        assertThat(h.callsAfterDestroy()).isZero();
    }

    @Test
    void aReplyBeforeTheTimeoutCancelsTheTimer() {
        FilterHarness h = harness();
        StreamRun s = send(h);
        h.advance(Duration.ofMillis(10));
        redis.last().reply(1, 9, 1000);
        h.advance(Duration.ofSeconds(1));
        assertThat(s.forwarded()).isTrue();
        assertThat(h.counter("weir_ratelimit_allowed_total")).isEqualTo(1);
        assertThat(h.counter("weir_ratelimit_redis_errors_total", "timeout")).isZero();
        assertThat(h.counter("weir_ratelimit_failure_mode_allowed_total")).isZero();
    }

    @Test
    void aLostConnectionDecidesAtOnceWithoutWaitingForTheTimeout() {
        FilterHarness h = harness();
        StreamRun s = send(h);
        long t0 = h.nanoTime();
        redis.last().callback().onFailure(ScriptRunner.CONNECT, "connection closed by redis");
        assertThat(h.counter("weir_ratelimit_redis_errors_total", "connect"))
                .as("handled on the worker")
                .isZero();
        h.runPending();
        assertThat(s.forwarded()).isTrue();
        assertThat(h.nanoTime()).isEqualTo(t0);
        assertThat(h.counter("weir_ratelimit_redis_errors_total", "connect")).isEqualTo(1);
        assertThat(h.counter("weir_ratelimit_failure_mode_allowed_total")).isEqualTo(1);
        h.advance(Duration.ofSeconds(1));
        assertThat(h.counter("weir_ratelimit_redis_errors_total", "timeout")).isZero();
    }

    @Test
    void withRedisDownTheFilterDecidesInTheCallbackWithoutAsking() {
        redis.down = true;
        FilterHarness allow = harness();
        StreamRun s = send(allow);
        assertThat(s.forwarded()).isTrue();
        assertThat(allow.counter("weir_ratelimit_redis_errors_total", "connect")).isEqualTo(1);
        assertThat(allow.counter("weir_ratelimit_failure_mode_allowed_total")).isEqualTo(1);

        FilterHarness deny = denying();
        StreamRun d = send(deny);
        assertThat(d.forwarded()).isFalse();
        assertThat(d.localReply().status()).isEqualTo(500);
        assertThat(redis.calls).isEmpty();
    }

    @Test
    void anErrorReplyOrAnUnexpectedOneIsAnErrorAndFollowsTheFailureMode() {
        FilterHarness h = denying();
        StreamRun a = send(h);
        redis.last().callback().onReply(new Reply.Error("OOM command not allowed"));
        StreamRun b = send(h);
        redis.last().callback().onReply(new Reply.Multi(List.of(new Reply.Int(1))));
        StreamRun c = send(h);
        redis.last().callback().onFailure(ScriptRunner.ERROR, "protocol error");
        h.runPending();
        assertThat(List.of(a.status(), b.status(), c.status())).containsOnly(500);
        assertThat(h.counter("weir_ratelimit_redis_errors_total", "error")).isEqualTo(3);
    }

    @Test
    void aReplyAfterTheClientWentAwayIsDroppedSafely() {
        FilterHarness h = harness();
        StreamRun s = send(h);
        s.abort();
        redis.last().reply(1, 9, 1000);
        h.advance(Duration.ofSeconds(1));
        assertThat(s.forwarded()).isFalse();
        assertThat(h.counter("weir_ratelimit_allowed_total")).isZero();
        assertThat(h.counter("weir_ratelimit_redis_errors_total", "timeout")).isZero();
        assertThat(h.callsAfterDestroy()).isZero();
    }

    @Test
    void aReplyFromAnotherThreadTouchesTheStreamOnlyOnTheWorker() throws Exception {
        FilterHarness h = harness();
        StreamRun s = send(h);
        Thread t = new Thread(() -> redis.last().reply(1, 9, 1000), "weir-redis-test");
        t.start();
        t.join(5000);
        assertThat(s.requestPaused()).isTrue();
        assertThat(h.counter("weir_ratelimit_allowed_total")).isZero(); // not on that thread
        h.runPending();
        assertThat(s.forwarded()).isTrue();
    }

    @Test
    void keysJoinTheirPartsAfterThePrefixAndEscapeTheSeparator() {
        FilterHarness h = harness(Map.of("key", List.of("client_ip", "header:x-user", "route")));
        send(
                h,
                Map.of("x-user", "a|b\\c"),
                Map.of("source.address", "10.0.0.7:1", "route_name", "api"));
        assertThat(redis.last().key()).isEqualTo("weir:rl:weir.ratelimit:10.0.0.7|a\\|b\\\\c|api");
        send(h, Map.of(), Map.of("source.address", "0:0:0:0:0:0:0:1:443"));
        assertThat(redis.last().key())
                .as("a missing header and an unnamed route are empty parts")
                .isEqualTo("weir:rl:weir.ratelimit:0:0:0:0:0:0:0:1||");
    }

    @Test
    void theRootHoldsEachConnectionItUsesUntilItIsDone() {
        FilterHarness h = harness();
        RedisTarget main = new RedisTarget("127.0.0.1", 6379, null);
        assertThat(redis.held).containsExactly(Map.entry(main, 1));

        Map<String, Object> other =
                RateLimitConfigTest.with("redis", Map.of("address", "10.1.1.1:6380"));
        // a route override, parsed for each request: the same target, one connection
        get(h, Map.of(), CLIENT).routeConfig(other).send();
        get(h, Map.of(), CLIENT).routeConfig(other).send();
        assertThat(redis.held)
                .containsOnly(
                        Map.entry(main, 1), Map.entry(new RedisTarget("10.1.1.1", 6380, null), 1));
        assertThat(redis.calls).hasSize(2);
        h.close(); // the root's onDone
        assertThat(redis.held).isEmpty();
    }
}
