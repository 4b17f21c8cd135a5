package io.weir.filters.localratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.config.ConfigLoader;
import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.config.FilterSource;
import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code weir.local_ratelimit} in a real Weir, over sockets on 127.0.0.1. */
@ExtendWith(NettyLeakCheck.class)
class LocalRateLimitIntegrationTest {
    @TempDir Path dir;

    static final FilterRegistry REGISTRY =
            FilterRegistry.of(
                    Map.of(LocalRateLimitFilterFactory.NAME, new LocalRateLimitFilterFactory()));

    static final String ALLOWED = "weir_ratelimit_allowed_total{filter=\"weir.local_ratelimit\"}";
    static final String LIMITED = "weir_ratelimit_limited_total{filter=\"weir.local_ratelimit\"}";

    /** The listener's bucket {@code listenerBucket}; /own/ has its own, /free/ none. */
    static String yaml(String upstream, String listenerBucket) {
        return yaml(upstream, listenerBucket, "");
    }

    /** With {@code extraHttp}, a line of the listener's {@code http} block. */
    static String yaml(String upstream, String listenerBucket, String extraHttp) {
        return """
                admin: { address: 127.0.0.1:0 }
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                      %s
                      filters:
                        - name: weir.local_ratelimit
                          config: %s
                      virtual_hosts:
                        - name: d
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/own/" }
                              route: { cluster: backend }
                              per_filter_config:
                                weir.local_ratelimit:
                                  config: { max_tokens: 2, tokens_per_fill: 2, fill_interval: 1h }
                            - match: { prefix: "/free/" }
                              route: { cluster: backend }
                              per_filter_config:
                                weir.local_ratelimit: { disabled: true }
                            - match: { prefix: "/" }
                              route: { cluster: backend }
                clusters:
                  - name: backend
                    endpoints: [{ address: %s }]
                """
                .formatted(extraHttp, listenerBucket, upstream);
    }

    static final String FIVE_A_MINUTE =
            "{ max_tokens: 5, tokens_per_fill: 5, fill_interval: 60s, rate_limit_headers: true }";

    static RawClient.Response get(Weir w, String path) throws Exception {
        try (RawClient c = new RawClient(w.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
            return c.read();
        }
    }

    @Test
    void twelveQuickRequestsGetFive200sThenSeven429sWithRetryAfter() throws Exception {
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), FIVE_A_MINUTE), 1, REGISTRY)) {
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                RawClient.Response r = get(w, "/api");
                statuses.add(r.status());
                if (r.status() == 200) {
                    assertThat(r.body()).contains("name=up");
                    assertThat(r.header("ratelimit-policy")).isEqualTo("\"local\";q=5;w=60");
                    assertThat(r.header("ratelimit")).matches("\"local\";r=" + (4 - i) + ";t=\\d+");
                } else {
                    assertThat(r.body()).isEqualTo("local_rate_limited");
                    assertThat(Integer.parseInt(r.header("retry-after"))).isBetween(1, 60);
                    assertThat(r.header("ratelimit")).matches("\"local\";r=0;t=\\d+");
                }
            }
            assertThat(statuses)
                    .containsExactly(200, 200, 200, 200, 200, 429, 429, 429, 429, 429, 429, 429);
            assertThat(up.requests()).isEqualTo(5);
            assertThat(w.awaitStat(ALLOWED, 5)).isEqualTo(5);
            assertThat(w.awaitStat(LIMITED, 7)).isEqualTo(7);
        }
    }

    @Test
    void theAccessLogShowsTheRlFlagAndDetails() throws Exception {
        Path log = dir.resolve("access.json");
        String accessLog = "access_log: [{ path: %s, format: json }]".formatted(log);
        String bucket = "{ max_tokens: 1, fill_interval: 1h }";
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), bucket, accessLog), 1, REGISTRY)) {
            assertThat(get(w, "/api").status()).isEqualTo(200);
            assertThat(get(w, "/api").status()).isEqualTo(429);
            List<String> lines = awaitLines(log, 2);
            assertThat(lines.get(0)).contains("\"response_flags\":\"-\"");
            assertThat(lines.get(1))
                    .contains("\"response_code\":429")
                    .contains("\"response_flags\":\"RL\"")
                    .contains("\"response_code_details\":\"local_rate_limited\"");
        }
    }

    /** The log's lines once it has {@code n} (entries are written as streams end). */
    static List<String> awaitLines(Path log, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            if (lines.size() >= n) {
                return lines;
            }
            Thread.yield();
        }
        throw new AssertionError("access log has " + lines.size() + " lines, expected " + n);
    }

    @Test
    void eightThreadsThroughTwoWorkersGetExactlyTheBucketsTokens() throws Exception {
        int tokens = 37;
        int threads = 8;
        int perThread = 25;
        String bucket = "{ max_tokens: %d, tokens_per_fill: %d, fill_interval: 1h }";
        try (TestUpstream up = new TestUpstream("up");
                Weir w =
                        Weir.start(
                                yaml(up.address(), bucket.formatted(tokens, tokens)),
                                2,
                                REGISTRY)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<int[]>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    results.add(
                            pool.submit(
                                    () -> {
                                        start.await();
                                        int[] counts = new int[2];
                                        for (int i = 0; i < perThread; i++) {
                                            // a connection each: new connections land on either
                                            // worker
                                            int s = get(w, "/api").status();
                                            counts[s == 200 ? 0 : 1]++;
                                            assertThat(s).isIn(200, 429);
                                        }
                                        return counts;
                                    }));
                }
                start.countDown();
                int ok = 0;
                int limited = 0;
                for (Future<int[]> f : results) {
                    int[] c = f.get(60, TimeUnit.SECONDS);
                    ok += c[0];
                    limited += c[1];
                }
                assertThat(ok).isEqualTo(tokens);
                assertThat(limited).isEqualTo(threads * perThread - tokens);
                assertThat(w.awaitStat(ALLOWED, tokens)).isEqualTo(tokens);
                assertThat(w.awaitStat(LIMITED, limited)).isEqualTo(limited);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aRouteOverrideHasItsOwnBucketAndADisabledRouteNone() throws Exception {
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), FIVE_A_MINUTE), 1, REGISTRY)) {
            assertThat(get(w, "/own/1").status()).isEqualTo(200);
            assertThat(get(w, "/own/2").status()).isEqualTo(200);
            assertThat(get(w, "/own/3").status()).isEqualTo(429);
            for (int i = 0; i < 8; i++) {
                assertThat(get(w, "/free/" + i).status()).isEqualTo(200);
            }
            // the listener's five tokens are all there
            for (int i = 0; i < 5; i++) {
                assertThat(get(w, "/api").status()).isEqualTo(200);
            }
            assertThat(get(w, "/api").status()).isEqualTo(429);
            assertThat(get(w, "/own/4").status()).isEqualTo(429);
        }
    }

    @Test
    void aReloadStartsWithAFreshBucket() throws Exception {
        try (TestUpstream up = new TestUpstream("up")) {
            String yaml = yaml(up.address(), FIVE_A_MINUTE);
            try (Weir w = Weir.start(yaml, 1, REGISTRY)) {
                for (int i = 0; i < 5; i++) {
                    assertThat(get(w, "/api").status()).isEqualTo(200);
                }
                assertThat(get(w, "/api").status()).isEqualTo(429);
                w.server.reload(
                        ConfigLoader.parse(yaml, Path.of("."), FilterSource.fixed(REGISTRY)),
                        REGISTRY,
                        () -> {});
                assertThat(get(w, "/api").status()).isEqualTo(200);
            }
        }
    }
}
