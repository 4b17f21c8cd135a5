package io.weir.filters.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.FilterStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The filter against a fake Redis and a manual clock: decisions, races, failure modes. */
class RateLimitFilterTest {
    static final Map<String, String> CLIENT = Map.of("source.address", "10.0.0.7:51234");

    final FakeRedis redis = new FakeRedis();

    FakeWorker worker(Map<String, Object> overrides) throws Exception {
        Map<String, Object> raw =
                RateLimitConfigTest.with("limit", Map.of("requests", 10, "per", "60s"));
        raw.putAll(overrides);
        return new FakeWorker(new RateLimitFilterFactory(redis), RateLimitConfigTest.parse(raw));
    }

    FakeWorker worker() throws Exception {
        return worker(Map.of());
    }

    FakeWorker denying() throws Exception {
        return worker(Map.of("failure_mode_deny", true));
    }

    @Test
    void holdsTheRequestUntilRedisAllowsItThenContinues() throws Exception {
        FakeWorker w = worker();
        FakeWorker.Stream s = w.request(Map.of(), CLIENT);
        assertThat(s.status).isEqualTo(FilterStatus.STOP);
        assertThat(s.paused()).isTrue();
        FakeRedis.Call c = redis.last();
        assertThat(c.script()).isEqualTo(Script.SLIDING_WINDOW);
        assertThat(c.key()).isEqualTo("weir:rl:weir.ratelimit:10.0.0.7");
        assertThat(c.args()).hasSize(3).startsWith("10", "60000");
        assertThat(c.timeout()).isEqualTo(Duration.ofMillis(50));

        c.reply(1, 9, 60_000);
        assertThat(s.paused()).as("nothing touches the stream before the worker runs it").isTrue();
        w.runPending();
        assertThat(s.forwarded).isTrue();
        assertThat(s.continues).isEqualTo(1);
        assertThat(w.counter("weir_ratelimit_allowed_total")).isEqualTo(1);
    }

    @Test
    void slidingWindowMembersAreUniquePerRequest() throws Exception {
        FakeWorker w = worker();
        w.request(Map.of(), CLIENT);
        w.request(Map.of(), CLIENT);
        assertThat(redis.calls.get(0).args().get(2)).isNotEqualTo(redis.calls.get(1).args().get(2));
    }

    @Test
    void fixedWindowRunsItsOwnScriptWithLimitAndWindow() throws Exception {
        FakeWorker w = worker(Map.of("algorithm", "fixed_window"));
        w.request(Map.of(), CLIENT);
        assertThat(redis.last().script()).isEqualTo(Script.FIXED_WINDOW);
        assertThat(redis.last().args()).containsExactly("10", "60000");
    }

    @Test
    void limitedAnswers429WithRetryAfterInWholeSecondsRoundedUp() throws Exception {
        FakeWorker w = worker();
        long[][] cases = {{1500, 2}, {1000, 1}, {1, 1}, {0, 1}, {59_001, 60}};
        for (long[] c : cases) {
            FakeWorker.Stream s = w.request(Map.of(), CLIENT);
            redis.last().reply(0, 0, c[0]);
            w.runPending();
            assertThat(s.reply.status()).isEqualTo(429);
            assertThat(s.reply.body()).isEqualTo("rate_limited");
            assertThat(s.reply.details()).isEqualTo("rate_limited");
            assertThat(s.reply.responseFlag()).isEqualTo("RL");
            assertThat(s.reply.headers())
                    .as("%d ms", c[0])
                    .containsExactly(Map.entry("retry-after", Long.toString(c[1])));
            assertThat(s.forwarded).isFalse();
        }
        assertThat(w.counter("weir_ratelimit_limited_total")).isEqualTo(cases.length);
        assertThat(w.counter("weir_ratelimit_allowed_total")).isZero();
    }

    @Test
    void aTimeoutAllowsByDefaultAtTheTimeoutAndTheLateReplyIsIgnored() throws Exception {
        FakeWorker w = worker();
        FakeWorker.Stream s = w.request(Map.of(), CLIENT);
        w.advance(Duration.ofMillis(49));
        assertThat(s.paused()).isTrue();
        w.advance(Duration.ofMillis(1));
        assertThat(s.forwarded).isTrue();
        assertThat(w.counter("weir_ratelimit_redis_errors_total", "timeout")).isEqualTo(1);
        assertThat(w.counter("weir_ratelimit_failure_mode_allowed_total")).isEqualTo(1);

        redis.last().reply(0, 0, 1000); // too late: the timer decided
        w.runPending();
        assertThat(s.continues).isEqualTo(1);
        assertThat(s.reply).isNull();
        assertThat(w.counter("weir_ratelimit_limited_total")).isZero();
    }

    @Test
    void aTimeoutDeniesWith500WhenFailureModeDeny() throws Exception {
        FakeWorker w = denying();
        FakeWorker.Stream s = w.request(Map.of(), CLIENT);
        w.advance(Duration.ofMillis(50));
        assertThat(s.reply.status()).isEqualTo(500);
        assertThat(s.reply.body()).isEqualTo("rate limit service unavailable");
        assertThat(s.reply.details()).isEqualTo("ratelimit_unavailable");
        assertThat(w.counter("weir_ratelimit_redis_errors_total", "timeout")).isEqualTo(1);
        assertThat(w.counter("weir_ratelimit_failure_mode_allowed_total")).isZero();

        redis.last().reply(1, 9, 1000); // the stream is over: dropped
        w.runPending();
        assertThat(s.forwarded).isFalse();
        assertThat(w.counter("weir_ratelimit_allowed_total")).isZero();
        assertThat(w.callsAfterEnd).isZero();
    }

    @Test
    void aReplyBeforeTheTimeoutCancelsTheTimer() throws Exception {
        FakeWorker w = worker();
        FakeWorker.Stream s = w.request(Map.of(), CLIENT);
        w.advance(Duration.ofMillis(10));
        redis.last().reply(1, 9, 1000);
        w.advance(Duration.ofSeconds(1));
        assertThat(s.continues).isEqualTo(1);
        assertThat(w.counter("weir_ratelimit_redis_errors_total", "timeout")).isZero();
        assertThat(w.counter("weir_ratelimit_failure_mode_allowed_total")).isZero();
    }

    @Test
    void aLostConnectionDecidesAtOnceWithoutWaitingForTheTimeout() throws Exception {
        FakeWorker w = worker();
        FakeWorker.Stream s = w.request(Map.of(), CLIENT);
        long t0 = w.nanoTime();
        redis.last().callback().onFailure(ScriptRunner.CONNECT, "connection closed by redis");
        w.runPending();
        assertThat(s.forwarded).isTrue();
        assertThat(w.nanoTime()).isEqualTo(t0);
        assertThat(w.counter("weir_ratelimit_redis_errors_total", "connect")).isEqualTo(1);
        assertThat(w.counter("weir_ratelimit_failure_mode_allowed_total")).isEqualTo(1);
        w.advance(Duration.ofSeconds(1));
        assertThat(w.counter("weir_ratelimit_redis_errors_total", "timeout")).isZero();
    }

    @Test
    void withRedisDownTheFilterDecidesInTheCallbackWithoutAsking() throws Exception {
        redis.down = true;
        FakeWorker allow = worker();
        FakeWorker.Stream s = allow.request(Map.of(), CLIENT);
        assertThat(s.status).isEqualTo(FilterStatus.CONTINUE);
        assertThat(s.forwarded).isTrue();
        assertThat(allow.counter("weir_ratelimit_redis_errors_total", "connect")).isEqualTo(1);

        FakeWorker deny = denying();
        FakeWorker.Stream d = deny.request(Map.of(), CLIENT);
        assertThat(d.status).isEqualTo(FilterStatus.STOP);
        assertThat(d.reply.status()).isEqualTo(500);
        assertThat(redis.calls).isEmpty();
    }

    @Test
    void anErrorReplyOrAnUnexpectedOneIsAnErrorAndFollowsTheFailureMode() throws Exception {
        FakeWorker w = denying();
        FakeWorker.Stream a = w.request(Map.of(), CLIENT);
        redis.last().callback().onReply(new Reply.Error("OOM command not allowed"));
        FakeWorker.Stream b = w.request(Map.of(), CLIENT);
        redis.last().callback().onReply(new Reply.Multi(List.of(new Reply.Int(1))));
        FakeWorker.Stream c = w.request(Map.of(), CLIENT);
        redis.last().callback().onFailure(ScriptRunner.ERROR, "protocol error");
        w.runPending();
        assertThat(List.of(a.reply.status(), b.reply.status(), c.reply.status())).containsOnly(500);
        assertThat(w.counter("weir_ratelimit_redis_errors_total", "error")).isEqualTo(3);
    }

    @Test
    void aReplyAfterTheClientWentAwayIsDroppedSafely() throws Exception {
        FakeWorker w = worker();
        FakeWorker.Stream s = w.request(Map.of(), CLIENT);
        s.abort();
        redis.last().reply(1, 9, 1000);
        w.advance(Duration.ofSeconds(1));
        assertThat(s.continues).isZero();
        assertThat(w.counter("weir_ratelimit_allowed_total")).isZero();
        assertThat(w.counter("weir_ratelimit_redis_errors_total", "timeout")).isZero();
        assertThat(w.callsAfterEnd).isZero();
    }

    @Test
    void aReplyFromAnotherThreadTouchesTheStreamOnlyOnTheWorker() throws Exception {
        FakeWorker w = worker();
        FakeWorker.Stream s = w.request(Map.of(), CLIENT);
        Thread t = new Thread(() -> redis.last().reply(1, 9, 1000), "weir-redis-test");
        t.start();
        t.join(5000);
        assertThat(s.paused()).isTrue();
        w.runPending();
        assertThat(s.forwarded).isTrue();
    }

    @Test
    void keysJoinTheirPartsAfterThePrefixAndEscapeTheSeparator() throws Exception {
        FakeWorker w = worker(Map.of("key", List.of("client_ip", "header:x-user", "route")));
        w.request(
                Map.of("x-user", "a|b\\c"),
                Map.of("source.address", "10.0.0.7:1", "route_name", "api"));
        assertThat(redis.last().key()).isEqualTo("weir:rl:weir.ratelimit:10.0.0.7|a\\|b\\\\c|api");
        w.request(Map.of(), Map.of("source.address", "0:0:0:0:0:0:0:1:443"));
        assertThat(redis.last().key())
                .as("a missing header and an unnamed route are empty parts")
                .isEqualTo("weir:rl:weir.ratelimit:0:0:0:0:0:0:0:1||");
    }

    @Test
    void theRootHoldsEachConnectionItUsesUntilItIsDone() throws Exception {
        FakeWorker w = worker();
        RedisTarget main = new RedisTarget("127.0.0.1", 6379, null);
        assertThat(redis.held).containsExactly(Map.entry(main, 1));

        RateLimitConfig other =
                RateLimitConfigTest.parse(
                        RateLimitConfigTest.with("redis", Map.of("address", "10.1.1.1:6380")));
        w.request(Map.of(), CLIENT, other);
        w.request(Map.of(), CLIENT, other);
        assertThat(redis.held)
                .containsOnly(
                        Map.entry(main, 1), Map.entry(new RedisTarget("10.1.1.1", 6380, null), 1));
        w.filterRoot.onDone();
        assertThat(redis.held).isEmpty();
    }
}
