package io.weir.filters.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code weir.ratelimit} in a real Weir, with a real upstream and a real redis-server. */
class RateLimitIntegrationTest {
    static final FilterRegistry REGISTRY =
            FilterRegistry.of(Map.of("weir.ratelimit", new RateLimitFilterFactory()));
    static final String F = "{filter=\"weir.ratelimit\"}";

    @TempDir Path dir;
    RedisServer redis;
    TestUpstream upstream;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start(dir);
        upstream = new TestUpstream("up");
    }

    @AfterEach
    void stop() throws Exception {
        upstream.close();
        redis.close();
    }

    /** One listener named {@code name} with the filter's {@code config} (a YAML flow map). */
    static String listener(String name, String config) {
        return """
                  - name: %s
                    address: 127.0.0.1:0
                    http:
                      filters:
                        - name: weir.ratelimit
                          config: %s
                      virtual_hosts:
                        - name: d
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/" }
                              route: { cluster: backend }
                              name: main
                """
                .formatted(name, config);
    }

    static String yaml(String upstream, String... listeners) {
        return "admin: { address: 127.0.0.1:0 }\nlisteners:\n"
                + String.join("", listeners)
                + "clusters:\n  - name: backend\n    endpoints: [{ address: "
                + upstream
                + " }]\n";
    }

    String config(String redisExtra, String rest) {
        return "{ redis: { address: '" + redis.address() + "'" + redisExtra + " }, " + rest + " }";
    }

    record Timed(RawClient.Response response, long millis) {}

    static Timed get(int port, String headers) throws Exception {
        long t0 = System.nanoTime();
        try (RawClient c = new RawClient(port)) {
            c.send("GET /x HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n");
            RawClient.Response r = c.read();
            return new Timed(r, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }
    }

    static List<Integer> statuses(int port, String headers, int n) throws Exception {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(get(port, headers).response().status());
        }
        return out;
    }

    @Test
    void allowsTheLimitThenAnswers429WithRetryAfter() throws Exception {
        String cfg = config(", timeout: 1s", "limit: { requests: 3, per: 60s }");
        try (Weir w = Weir.start(yaml(upstream.address(), listener("ingress", cfg)), 2, REGISTRY)) {
            for (int i = 0; i < 3; i++) {
                assertThat(get(w.port(), "").response().status()).isEqualTo(200);
            }
            RawClient.Response limited = get(w.port(), "").response();
            assertThat(limited.status()).isEqualTo(429);
            assertThat(limited.body()).isEqualTo("rate_limited");
            assertThat(Integer.parseInt(limited.header("retry-after"))).isBetween(1, 60);
            assertThat(get(w.port(), "").response().status()).isEqualTo(429);

            assertThat(upstream.requests()).isEqualTo(3);
            assertThat(w.stat("weir_ratelimit_allowed_total" + F)).isEqualTo(3);
            assertThat(w.stat("weir_ratelimit_limited_total" + F)).isEqualTo(2);
            assertThat(redis.call("ZCARD", "weir:rl:weir.ratelimit:127.0.0.1"))
                    .isEqualTo(new Reply.Int(3));
        }
    }

    @Test
    void fixedWindowCountsPerHeaderValueAndAMissingHeaderIsOneEmptyKey() throws Exception {
        String cfg =
                config(
                        ", timeout: 1s",
                        "limit: { requests: 2, per: 24h }, key: 'header:x-user',"
                                + " algorithm: fixed_window");
        try (Weir w = Weir.start(yaml(upstream.address(), listener("ingress", cfg)), 1, REGISTRY)) {
            assertThat(statuses(w.port(), "x-user: alice\r\n", 3)).containsExactly(200, 200, 429);
            assertThat(statuses(w.port(), "x-user: bob\r\n", 1)).containsExactly(200);
            assertThat(statuses(w.port(), "", 3)).containsExactly(200, 200, 429);
            RawClient.Response r = get(w.port(), "x-user: alice\r\n").response();
            assertThat(Integer.parseInt(r.header("retry-after"))).isBetween(1, 86_400);
            Reply keys = redis.call("KEYS", "weir:rl:*");
            assertThat(((Reply.Multi) keys).elements())
                    .extracting(k -> ((Reply.Bulk) k).text().replaceAll(":\\d+$", ":<window>"))
                    .containsExactlyInAnyOrder(
                            "weir:rl:weir.ratelimit:alice:<window>",
                            "weir:rl:weir.ratelimit:bob:<window>",
                            "weir:rl:weir.ratelimit::<window>");
        }
    }

    @Test
    void logsInToRedisWithThePassword() throws Exception {
        redis.close();
        redis = RedisServer.start(dir, "--requirepass", "s3cret");
        String cfg = config(", timeout: 1s, password: s3cret", "limit: { requests: 1, per: 60s }");
        try (Weir w = Weir.start(yaml(upstream.address(), listener("ingress", cfg)), 1, REGISTRY)) {
            assertThat(statuses(w.port(), "", 2)).containsExactly(200, 429);
            assertThat(w.stat("weir_ratelimit_failure_mode_allowed_total" + F)).isZero();
        }
    }

    @Test
    void redisStoppedFollowsEachFailureModeWithoutHangingAndRecoversWhenItIsBack()
            throws Exception {
        String allow = config(", timeout: 300ms", "limit: { requests: 2, per: 60s }, key: route");
        String deny =
                config(
                        ", timeout: 300ms",
                        "limit: { requests: 2, per: 60s }, key: [route, 'header:x-deny'],"
                                + " failure_mode_deny: true");
        try (Weir w =
                Weir.start(
                        yaml(upstream.address(), listener("allow", allow), listener("deny", deny)),
                        2,
                        REGISTRY)) {
            int a = w.port("allow");
            int d = w.port("deny");
            assertThat(statuses(a, "", 3)).containsExactly(200, 200, 429);
            assertThat(statuses(d, "x-deny: 1\r\n", 1)).containsExactly(200);

            redis.stop();
            for (int i = 0; i < 5; i++) {
                Timed ra = get(a, "");
                assertThat(ra.response().status()).isEqualTo(200);
                assertThat(ra.millis()).as("allow, request %d", i).isLessThan(300 + 700);
                Timed rd = get(d, "x-deny: 1\r\n");
                assertThat(rd.response().status()).isEqualTo(500);
                assertThat(rd.response().body()).isEqualTo("rate limit service unavailable");
                assertThat(rd.millis()).as("deny, request %d", i).isLessThan(300 + 700);
            }
            double connectErrors =
                    w.stat(
                            "weir_ratelimit_redis_errors_total{filter=\"weir.ratelimit\",reason=\"connect\"}");
            assertThat(connectErrors).isEqualTo(10);
            assertThat(w.stat("weir_ratelimit_failure_mode_allowed_total" + F)).isEqualTo(5);

            redis.restart(); // empty: nothing was saved
            assertThat(redis.awaitReconnect(Duration.ofSeconds(10))).isTrue();
            assertThat(statuses(a, "", 3)).containsExactly(200, 200, 429);
            assertThat(statuses(d, "x-deny: 1\r\n", 3)).containsExactly(200, 200, 429);
            assertThat(w.stat("weir_ratelimit_failure_mode_allowed_total" + F)).isEqualTo(5);
        }
    }

    @Test
    void theTimeoutDecidesAgainstAServerThatNeverAnswers() throws Exception {
        try (ServerSocket silent = new ServerSocket()) {
            // accepted by the kernel's backlog, never read nor answered
            silent.bind(new InetSocketAddress("127.0.0.1", 0));
            String addr = "127.0.0.1:" + silent.getLocalPort();
            String allow =
                    "{ redis: { address: '"
                            + addr
                            + "', timeout: 200ms }, limit: { requests: 5, per: 1m } }";
            String deny =
                    "{ redis: { address: '"
                            + addr
                            + "', timeout: 200ms }, limit: { requests: 5, per: 1m },"
                            + " failure_mode_deny: true }";
            try (Weir w =
                    Weir.start(
                            yaml(
                                    upstream.address(),
                                    listener("allow", allow),
                                    listener("deny", deny)),
                            1,
                            REGISTRY)) {
                Timed ra = get(w.port("allow"), "");
                assertThat(ra.response().status()).isEqualTo(200);
                assertThat(ra.millis()).isBetween(200L, 200L + 800);
                Timed rd = get(w.port("deny"), "");
                assertThat(rd.response().status()).isEqualTo(500);
                assertThat(rd.millis()).isBetween(200L, 200L + 800);
                assertThat(
                                w.stat(
                                        "weir_ratelimit_redis_errors_total{filter=\"weir.ratelimit\",reason=\"timeout\"}"))
                        .isEqualTo(2);
                assertThat(w.stat("weir_ratelimit_failure_mode_allowed_total" + F)).isEqualTo(1);
            }
        }
    }

    @Test
    void everyWorkerAndFilterShareOneConnectionClosedWhenWeirStops() throws Exception {
        String cfg = config(", timeout: 1s", "limit: { requests: 100, per: 60s }");
        int mark;
        try (Weir w =
                Weir.start(
                        yaml(upstream.address(), listener("one", cfg), listener("two", cfg)),
                        2,
                        REGISTRY)) {
            for (int i = 0; i < 4; i++) {
                assertThat(get(w.port("one"), "").response().status()).isEqualTo(200);
                assertThat(get(w.port("two"), "").response().status()).isEqualTo(200);
            }
            assertThat(weirConnections()).hasSize(1);
            mark = redis.lines();
        }
        assertThat(
                        redis.awaitLogged(
                                l ->
                                        l.contains("Client closed connection")
                                                && l.contains("cmd=evalsha"),
                                mark,
                                Duration.ofSeconds(10)))
                .isTrue();
        assertThat(weirConnections()).isEmpty();
    }

    /** CLIENT LIST without the connection asking. */
    List<String> weirConnections() throws Exception {
        String list = ((Reply.Bulk) redis.call("CLIENT", "LIST")).text();
        return list.lines().filter(l -> !l.contains("cmd=client|list")).toList();
    }
}
