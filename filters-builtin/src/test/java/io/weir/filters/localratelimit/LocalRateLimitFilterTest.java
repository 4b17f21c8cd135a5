package io.weir.filters.localratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.filters.localratelimit.FakeStream.Clock;
import io.weir.filters.localratelimit.FakeStream.TestMetrics;
import io.weir.filters.localratelimit.FakeStream.Worker;
import io.weir.spi.FilterStatus;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalRateLimitFilterTest {
    final LocalRateLimitFilterFactory factory = new LocalRateLimitFilterFactory();
    final Clock clock = new Clock();
    final TestMetrics metrics = new TestMetrics();

    static Map<String, Object> bucket(int max, int perFill, String interval) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("max_tokens", max);
        m.put("tokens_per_fill", perFill);
        m.put("fill_interval", interval);
        return m;
    }

    Worker worker(Map<String, Object> raw) {
        return new Worker(factory, FakeStream.parse(factory, raw), clock, metrics);
    }

    long allowed() {
        return metrics.counter("weir_ratelimit_allowed_total");
    }

    long limited() {
        return metrics.counter("weir_ratelimit_limited_total");
    }

    @Test
    void passesMaxTokensThenAnswers429WithRetryAfterAndTheRlFlag() {
        Worker w = worker(bucket(3, 3, "60s"));
        for (int i = 0; i < 3; i++) {
            FakeStream s = w.send();
            assertThat(s.status).isEqualTo(FilterStatus.CONTINUE);
            assertThat(s.clientStatus()).isEqualTo(200);
        }
        FakeStream s = w.send();
        assertThat(s.status).isEqualTo(FilterStatus.STOP);
        assertThat(s.reply.status()).isEqualTo(429);
        assertThat(s.reply.body()).isEqualTo("local_rate_limited");
        assertThat(s.reply.details()).isEqualTo("local_rate_limited");
        assertThat(s.reply.responseFlag()).isEqualTo("RL");
        assertThat(s.clientHeader("retry-after")).isEqualTo("60");
        assertThat(allowed()).isEqualTo(3);
        assertThat(limited()).isEqualTo(1);
    }

    @Test
    void retryAfterIsTheWholeSecondsToTheNextFillRoundedUp() {
        Worker w = worker(bucket(1, 1, "60s"));
        w.send();
        clock.advance(Duration.ofMillis(10_500));
        assertThat(w.send().clientHeader("retry-after")).isEqualTo("50");
        clock.advance(Duration.ofMillis(49_499));
        assertThat(w.send().clientHeader("retry-after")).isEqualTo("1");
    }

    @Test
    void retryAfterIsAtLeastOneSecond() {
        Worker w = worker(bucket(1, 1, "100ms"));
        w.send();
        assertThat(w.send().clientHeader("retry-after")).isEqualTo("1");
    }

    @Test
    void aFillComesAfterExactlyOneIntervalAndNotBefore() {
        Worker w = worker(bucket(2, 1, "10s"));
        w.send();
        w.send();
        clock.advance(Duration.ofSeconds(10).minusNanos(1));
        assertThat(w.send().clientStatus()).isEqualTo(429);
        clock.advance(Duration.ofNanos(1));
        assertThat(w.send().clientStatus()).isEqualTo(200);
        assertThat(w.send().clientStatus()).isEqualTo(429);
    }

    @Test
    void theWorkersOfAConfigShareOneBucket() {
        Object config = FakeStream.parse(factory, bucket(4, 4, "1h"));
        Worker w0 = new Worker(factory, config, clock, metrics);
        Worker w1 = new Worker(factory, config, clock, metrics);
        int ok = 0;
        for (int i = 0; i < 5; i++) {
            ok += w0.send().clientStatus() == 200 ? 1 : 0;
            ok += w1.send().clientStatus() == 200 ? 1 : 0;
        }
        assertThat(ok).isEqualTo(4);
        assertThat(allowed()).isEqualTo(4);
        assertThat(limited()).isEqualTo(6);
    }

    @Test
    void aHeaderKeyGivesEachValueItsBucketAndRequestsWithoutItShareOne() {
        Map<String, Object> raw = bucket(2, 2, "1h");
        raw.put("key", "header:x-user");
        Worker w = worker(raw);
        assertThat(w.send("x-user", "alice").clientStatus()).isEqualTo(200);
        assertThat(w.send("x-user", "alice").clientStatus()).isEqualTo(200);
        assertThat(w.send("x-user", "alice").clientStatus()).isEqualTo(429);
        assertThat(w.send("X-User", "bob").clientStatus()).isEqualTo(200);
        // no header: the bucket of "", shared, so leaving the header out does not escape
        assertThat(w.send().clientStatus()).isEqualTo(200);
        assertThat(w.send().clientStatus()).isEqualTo(200);
        assertThat(w.send().clientStatus()).isEqualTo(429);
    }

    @Test
    void aClientIpKeyIgnoresTheClientPort() {
        Map<String, Object> raw = bucket(1, 1, "1h");
        raw.put("key", "client_ip");
        Worker w = worker(raw);
        Object c = w.config;
        assertThat(w.send(c, Map.of("source.address", "10.0.0.7:5000")).clientStatus())
                .isEqualTo(200);
        assertThat(w.send(c, Map.of("source.address", "10.0.0.7:6000")).clientStatus())
                .isEqualTo(429);
        assertThat(w.send(c, Map.of("source.address", "10.0.0.8:5000")).clientStatus())
                .isEqualTo(200);
        assertThat(w.send(c, Map.of("source.address", "0:0:0:0:0:0:0:1:5000")).clientStatus())
                .isEqualTo(200);
        assertThat(w.send(c, Map.of("source.address", "0:0:0:0:0:0:0:1:6000")).clientStatus())
                .isEqualTo(429);
    }

    @Test
    void portsAreStrippedFromIpv4AndIpv6Addresses() {
        assertThat(RateLimitKey.withoutPort("10.0.0.7:5123")).isEqualTo("10.0.0.7");
        assertThat(RateLimitKey.withoutPort("[::1]:5123")).isEqualTo("::1");
        assertThat(RateLimitKey.withoutPort("0:0:0:0:0:0:0:1:5123")).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(RateLimitKey.withoutPort("10.0.0.7")).isEqualTo("10.0.0.7");
        assertThat(RateLimitKey.withoutPort(null)).isNull();
    }

    @Test
    void aRouteKeyGivesEachNamedRouteItsBucket() {
        Map<String, Object> raw = bucket(1, 1, "1h");
        raw.put("key", "route");
        Worker w = worker(raw);
        Object c = w.config;
        assertThat(w.send(c, Map.of("route_name", "a")).clientStatus()).isEqualTo(200);
        assertThat(w.send(c, Map.of("route_name", "a")).clientStatus()).isEqualTo(429);
        assertThat(w.send(c, Map.of("route_name", "b")).clientStatus()).isEqualTo(200);
        assertThat(w.send(c, Map.of()).clientStatus()).isEqualTo(200); // unnamed: ""
        assertThat(w.send(c, Map.of()).clientStatus()).isEqualTo(429);
    }

    @Test
    void theLeastRecentlyUsedKeyIsEvictedAndComesBackFull() {
        Map<String, Object> raw = bucket(1, 1, "1h");
        raw.put("key", "header:x-user");
        raw.put("max_keys", 2);
        Worker w = worker(raw);
        assertThat(w.send("x-user", "a").clientStatus()).isEqualTo(200);
        assertThat(w.send("x-user", "b").clientStatus()).isEqualTo(200);
        assertThat(w.send("x-user", "a").clientStatus()).isEqualTo(429); // a used last
        assertThat(w.send("x-user", "c").clientStatus()).isEqualTo(200); // evicts b
        assertThat(w.send("x-user", "a").clientStatus()).isEqualTo(429); // a kept
        assertThat(w.send("x-user", "b").clientStatus()).isEqualTo(200); // fresh; evicts c
        assertThat(w.send("x-user", "a").clientStatus()).isEqualTo(429);
        assertThat(((LocalRateLimitConfig) w.config).buckets().size()).isEqualTo(2);
    }

    @Test
    void shadowModeCountsLimitedRequestsAndPassesThem() {
        Map<String, Object> raw = bucket(1, 1, "1h");
        raw.put("shadow", true);
        Worker w = worker(raw);
        for (int i = 0; i < 3; i++) {
            FakeStream s = w.send();
            assertThat(s.reply).isNull();
            assertThat(s.clientStatus()).isEqualTo(200);
        }
        assertThat(allowed()).isEqualTo(1);
        assertThat(limited()).isEqualTo(2);
    }

    @Test
    void rateLimitHeadersFollowTheDraftOnPassedAndLimitedResponses() {
        Map<String, Object> raw = bucket(3, 3, "60s");
        raw.put("rate_limit_headers", true);
        Worker w = worker(raw);
        FakeStream first = w.send();
        assertThat(first.clientHeader("ratelimit-policy")).isEqualTo("\"local\";q=3;w=60");
        assertThat(first.clientHeader("ratelimit")).isEqualTo("\"local\";r=2;t=60");
        clock.advance(Duration.ofSeconds(20));
        assertThat(w.send().clientHeader("ratelimit")).isEqualTo("\"local\";r=1;t=40");
        assertThat(w.send().clientHeader("ratelimit")).isEqualTo("\"local\";r=0;t=40");
        FakeStream limitedOne = w.send();
        assertThat(limitedOne.clientStatus()).isEqualTo(429);
        assertThat(limitedOne.clientHeader("ratelimit-policy")).isEqualTo("\"local\";q=3;w=60");
        assertThat(limitedOne.clientHeader("ratelimit")).isEqualTo("\"local\";r=0;t=40");
        assertThat(limitedOne.clientHeader("retry-after")).isEqualTo("40");
    }

    @Test
    void noRateLimitHeadersUnlessAskedFor() {
        Worker w = worker(bucket(1, 1, "60s"));
        assertThat(w.send().response.get("ratelimit")).isNull();
        FakeStream limitedOne = w.send();
        assertThat(limitedOne.clientHeader("ratelimit")).isNull();
        assertThat(limitedOne.clientHeader("ratelimit-policy")).isNull();
    }

    @Test
    void thePolicyWindowIsTheTimeToFillAnEmptyBucketInWholeSeconds() {
        assertThat(LocalRateLimitFilter.policy(config(100, 100, "1s")))
                .isEqualTo("\"local\";q=100;w=1");
        assertThat(LocalRateLimitFilter.policy(config(10, 1, "1s")))
                .isEqualTo("\"local\";q=10;w=10");
        assertThat(LocalRateLimitFilter.policy(config(10, 3, "1s")))
                .isEqualTo("\"local\";q=10;w=4");
        assertThat(LocalRateLimitFilter.policy(config(10, 10, "100ms")))
                .isEqualTo("\"local\";q=10;w=1");
        assertThat(LocalRateLimitFilter.policy(config(5, 5, "1.5s")))
                .isEqualTo("\"local\";q=5;w=2");
    }

    LocalRateLimitConfig config(int max, int perFill, String interval) {
        return (LocalRateLimitConfig) FakeStream.parse(factory, bucket(max, perFill, interval));
    }

    @Test
    void aRouteOverrideHasItsOwnBucket() {
        Worker w = worker(bucket(1, 1, "1h"));
        Object override = FakeStream.parse(factory, bucket(2, 2, "1h"));
        assertThat(w.send(override, Map.of()).clientStatus()).isEqualTo(200);
        assertThat(w.send(override, Map.of()).clientStatus()).isEqualTo(200);
        assertThat(w.send(override, Map.of()).clientStatus()).isEqualTo(429);
        // the listener's bucket is untouched
        assertThat(w.send().clientStatus()).isEqualTo(200);
        assertThat(w.send().clientStatus()).isEqualTo(429);
        assertThat(allowed()).isEqualTo(3);
        assertThat(limited()).isEqualTo(2);
    }
}
