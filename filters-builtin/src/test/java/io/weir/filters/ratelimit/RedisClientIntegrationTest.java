package io.weir.filters.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a real redis-server (and a server that never answers). */
class RedisClientIntegrationTest {
    @TempDir Path dir;
    RedisServer server;
    final List<RedisClient> clients = new ArrayList<>();

    @BeforeEach
    void startRedis() throws Exception {
        server = RedisServer.start(dir);
    }

    @AfterEach
    void stop() throws Exception {
        clients.forEach(RedisClient::close);
        server.close();
    }

    RedisClient client(RedisTarget t) {
        RedisClient c = new RedisClient(t).start();
        clients.add(c);
        return c;
    }

    RedisClient client() {
        return client(new RedisTarget("127.0.0.1", server.port(), null));
    }

    /** A callback as a future: the reply, or "failure:<reason>". */
    static final class Result extends CompletableFuture<Object> implements ScriptRunner.Callback {
        @Override
        public void onReply(Reply reply) {
            complete(reply);
        }

        @Override
        public void onFailure(String reason, String detail) {
            complete("failure:" + reason);
        }

        Object get5s() throws Exception {
            return get(5, TimeUnit.SECONDS);
        }
    }

    static Result command(RedisClient c, String... args) {
        Result r = new Result();
        c.command(List.of(args), r);
        return r;
    }

    static Result eval(RedisClient c, Script s, String key, String... args) {
        Result r = new Result();
        c.evalsha(s, key, List.of(args), Duration.ofSeconds(1), r);
        return r;
    }

    static List<Long> ints(Object reply) {
        return ((Reply.Multi) reply).elements().stream().map(e -> ((Reply.Int) e).value()).toList();
    }

    @Test
    void pipelinesRequestsFromManyThreadsAndMatchesRepliesInOrder() throws Exception {
        RedisClient c = client();
        int threads = 4;
        int each = 2000;
        CountDownLatch done = new CountDownLatch(threads * each);
        AtomicInteger wrong = new AtomicInteger();
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts.add(
                    new Thread(
                            () -> {
                                for (int i = 0; i < each; i++) {
                                    String want = id + ":" + i;
                                    c.command(
                                            List.of("ECHO", want),
                                            new ScriptRunner.Callback() {
                                                @Override
                                                public void onReply(Reply reply) {
                                                    if (!Reply.Bulk.of(want).equals(reply)) {
                                                        wrong.incrementAndGet();
                                                    }
                                                    done.countDown();
                                                }

                                                @Override
                                                public void onFailure(String r, String d) {
                                                    wrong.incrementAndGet();
                                                    done.countDown();
                                                }
                                            });
                                }
                            }));
        }
        ts.forEach(Thread::start);
        assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(wrong).hasValue(0);
    }

    @Test
    void slidingWindowAllowsExactlyTheLimitThenSaysWhenTheNextSlotFrees() throws Exception {
        RedisClient c = client();
        List<List<Long>> got = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            got.add(ints(eval(c, Script.SLIDING_WINDOW, "k", "5", "60000", "m" + i).get5s()));
        }
        assertThat(got.stream().map(l -> l.get(0)).toList())
                .containsExactly(1L, 1L, 1L, 1L, 1L, 0L, 0L, 0L);
        assertThat(got.stream().map(l -> l.get(1)).toList())
                .containsExactly(4L, 3L, 2L, 1L, 0L, 0L, 0L, 0L);
        for (List<Long> l : got) {
            assertThat(l.get(2)).isBetween(55_000L, 60_000L);
        }
        assertThat(server.call("ZCARD", "k")).isEqualTo(new Reply.Int(5));
        Reply ttl = server.call("PTTL", "k");
        assertThat(((Reply.Int) ttl).value()).isBetween(50_000L, 60_000L);
    }

    @Test
    void slidingWindowForgetsRequestsOlderThanTheWindow() throws Exception {
        RedisClient c = client();
        // two entries of long ago (scores are microseconds of Redis time) and one of now
        long nowUs = redisNowMicros();
        server.call("ZADD", "k", Long.toString(nowUs - 10_000_000), "old1");
        server.call("ZADD", "k", Long.toString(nowUs - 2_000_000), "old2");
        server.call("ZADD", "k", Long.toString(nowUs), "recent");
        // a 1 s window with a limit of 2: only "recent" still counts
        assertThat(ints(eval(c, Script.SLIDING_WINDOW, "k", "2", "1000", "a").get5s()).get(0))
                .isEqualTo(1L);
        assertThat(ints(eval(c, Script.SLIDING_WINDOW, "k", "2", "1000", "b").get5s()).get(0))
                .isEqualTo(0L);
        assertThat(server.call("ZCARD", "k")).isEqualTo(new Reply.Int(2));
    }

    long redisNowMicros() throws Exception {
        List<Reply> t = ((Reply.Multi) server.call("TIME")).elements();
        return Long.parseLong(((Reply.Bulk) t.get(0)).text()) * 1_000_000
                + Long.parseLong(((Reply.Bulk) t.get(1)).text());
    }

    @Test
    void fixedWindowCountsPerWindowAndReportsItsEnd() throws Exception {
        RedisClient c = client();
        List<List<Long>> got = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            got.add(ints(eval(c, Script.FIXED_WINDOW, "f", "3", "86400000").get5s()));
        }
        assertThat(got.stream().map(l -> l.get(0)).toList()).containsExactly(1L, 1L, 1L, 0L);
        assertThat(got.stream().map(l -> l.get(1)).toList()).containsExactly(2L, 1L, 0L, 0L);
        long window = redisNowMicros() / 1000 / 86_400_000;
        assertThat(server.call("GET", "f:" + window)).isEqualTo(Reply.Bulk.of("4"));
        assertThat(got.get(3).get(2)).isBetween(1L, 86_400_000L);
    }

    @Test
    void loadsTheScriptAgainAfterScriptFlushAndRetriesOnce() throws Exception {
        RedisClient c = client();
        assertThat(ints(eval(c, Script.SLIDING_WINDOW, "s", "5", "60000", "a").get5s()).get(0))
                .isEqualTo(1L);
        assertThat(server.call("SCRIPT", "FLUSH")).isEqualTo(new Reply.Simple("OK"));
        assertThat(server.call("SCRIPT", "EXISTS", Script.SLIDING_WINDOW.sha1()))
                .isEqualTo(new Reply.Multi(List.of(new Reply.Int(0))));
        List<Long> again = ints(eval(c, Script.SLIDING_WINDOW, "s", "5", "60000", "b").get5s());
        assertThat(again).startsWith(1L, 3L);
        assertThat(again.get(2)).isBetween(50_000L, 60_000L); // until "a" leaves the window
        assertThat(server.call("SCRIPT", "EXISTS", Script.SLIDING_WINDOW.sha1()))
                .isEqualTo(new Reply.Multi(List.of(new Reply.Int(1))));
    }

    @Test
    void loadsBothScriptsWhenItConnects() throws Exception {
        RedisClient c = client();
        assertThat(command(c, "PING").get5s()).isEqualTo(new Reply.Simple("PONG"));
        assertThat(
                        server.call(
                                "SCRIPT",
                                "EXISTS",
                                Script.FIXED_WINDOW.sha1(),
                                Script.SLIDING_WINDOW.sha1()))
                .isEqualTo(new Reply.Multi(List.of(new Reply.Int(1), new Reply.Int(1))));
    }

    @Test
    void logsInWithThePasswordAndAWrongOneFailsEveryRequest() throws Exception {
        server.close();
        server = RedisServer.start(dir, "--requirepass", "s3cret");
        RedisClient good = client(new RedisTarget("127.0.0.1", server.port(), "s3cret"));
        assertThat(command(good, "SET", "a", "1").get5s()).isEqualTo(new Reply.Simple("OK"));
        assertThat(server.callAuthenticated("s3cret", "GET", "a")).isEqualTo(Reply.Bulk.of("1"));

        RedisClient bad = client(new RedisTarget("127.0.0.1", server.port(), "wrong"));
        Object r = command(bad, "GET", "a").get5s();
        assertThat(r).isIn("failure:error", "failure:connect");
        // without a password the handshake's NOAUTH closes the connection too
        RedisClient none = client(new RedisTarget("127.0.0.1", server.port(), null));
        assertThat(command(none, "GET", "a").get5s()).isIn("failure:error", "failure:connect");
    }

    @Test
    void failsRequestsInFlightAtOnceWhenRedisGoesAwayThenReconnectsByItself() throws Exception {
        RedisClient c = client();
        assertThat(command(c, "PING").get5s()).isEqualTo(new Reply.Simple("PONG"));
        Result blocked = command(c, "BLPOP", "never", "0"); // in flight until Redis goes
        long t0 = System.nanoTime();
        server.stop();
        assertThat(blocked.get5s()).isEqualTo("failure:connect");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(1500);
        long t1 = System.nanoTime();
        assertThat(command(c, "PING").get5s())
                .as("fails fast while down")
                .isEqualTo("failure:connect");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1)).isLessThan(500);

        server.restart();
        // the client's own reconnect (backoff 100 ms doubling) shows as a new connection
        assertThat(server.awaitReconnect(Duration.ofSeconds(10))).isTrue();
        Object r = command(c, "PING").get5s();
        assertThat(r).isEqualTo(new Reply.Simple("PONG"));
        assertThat(c.down()).isFalse();
    }

    @Test
    void aRefusedConnectionFailsEveryRequestFast() throws Exception {
        int closed = RedisServer.freePort();
        RedisClient c = client(new RedisTarget("127.0.0.1", closed, null));
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            assertThat(command(c, "PING").get5s()).isEqualTo("failure:connect");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(500);
        }
    }

    @Test
    void aConnectionThatNeverAnswersIsClosedAsStalledAndOpenedAgain() throws Exception {
        try (ServerSocket silent = new ServerSocket()) {
            silent.bind(new InetSocketAddress("127.0.0.1", 0));
            RedisClient c = client(new RedisTarget("127.0.0.1", silent.getLocalPort(), null));
            try (Socket first = silent.accept()) {
                assertThat(first.isConnected()).isTrue();
                long t0 = System.nanoTime();
                Result r = command(c, "PING");
                assertThat(r.get(10, TimeUnit.SECONDS)).isEqualTo("failure:connect");
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertThat(ms).isBetween(RedisClient.STALL_MIN.toMillis() - 50, 6_000L);
                silent.setSoTimeout(10_000);
                try (Socket second = silent.accept()) {
                    assertThat(second.isConnected()).isTrue();
                }
            }
        }
    }

    @Test
    void oneClientPerTargetIsSharedAndClosedWithTheLastRelease() throws Exception {
        RedisClients registry = new RedisClients();
        RedisTarget t = new RedisTarget("127.0.0.1", server.port(), null);
        RedisClient a = registry.acquire(t);
        RedisClient b = registry.acquire(new RedisTarget("127.0.0.1", server.port(), null));
        assertThat(b).isSameAs(a);
        assertThat(a.thread().getName()).isEqualTo("weir-redis-127.0.0.1:" + server.port());
        assertThat(a.thread().isDaemon()).isTrue();
        RedisClient other = registry.acquire(new RedisTarget("127.0.0.1", server.port(), "pw"));
        assertThat(other).isNotSameAs(a);
        assertThat(registry.open()).isEqualTo(2);
        registry.release(new RedisTarget("127.0.0.1", server.port(), "pw"));
        registry.release(t);
        assertThat(command(a, "PING").get5s()).isEqualTo(new Reply.Simple("PONG"));
        registry.release(t);
        a.thread().join(5000);
        assertThat(a.thread().isAlive()).isFalse();
        assertThat(registry.open()).isZero();
        assertThat(a.down()).isTrue();
        assertThat(command(a, "PING").get5s()).isEqualTo("failure:connect");
        other.thread().join(5000);
        assertThat(other.thread().isAlive()).isFalse();
    }
}
