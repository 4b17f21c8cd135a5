package io.weir.filters.localratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.testkit.FilterHarness;
import io.weir.spi.testkit.Request;
import io.weir.spi.testkit.StreamRun;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code weir.local_ratelimit} against the SPI's test kit, whose manual clock fills the buckets.
 */
class LocalRateLimitFilterTest {
    final LocalRateLimitFilterFactory factory = new LocalRateLimitFilterFactory();

    static Map<String, Object> bucket(int max, int perFill, String interval) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("max_tokens", max);
        m.put("tokens_per_fill", perFill);
        m.put("fill_interval", interval);
        return m;
    }

    FilterHarness harness(Map<String, Object> raw) {
        return FilterHarness.of(factory, raw);
    }

    /** Runs {@code rq}; when it reaches the upstream, the upstream answers 200. */
    static StreamRun run(Request rq) {
        StreamRun s = rq.send();
        if (s.forwarded()) {
            s.respond(200).send();
        }
        return s;
    }

    /** A GET with (name, value) headers, answered 200 by the upstream when it gets there. */
    static StreamRun send(FilterHarness h, String... headers) {
        Request rq = h.request("GET", "/");
        for (int i = 0; i < headers.length; i += 2) {
            rq.header(headers[i], headers[i + 1]);
        }
        return run(rq);
    }

    /** A GET with a property such as {@code source.address} or {@code route_name}. */
    static StreamRun sendWith(FilterHarness h, String property, String value) {
        return run(h.request("GET", "/").property(property, value));
    }

    /** The value of a header the client got. */
    static String clientHeader(StreamRun s, String name) {
        return s.responseHeaders().get(name);
    }

    static long allowed(FilterHarness h) {
        return h.counter("weir_ratelimit_allowed_total");
    }

    static long limited(FilterHarness h) {
        return h.counter("weir_ratelimit_limited_total");
    }

    @Test
    void passesMaxTokensThenAnswers429WithRetryAfterAndTheRlFlag() {
        FilterHarness h = harness(bucket(3, 3, "60s"));
        for (int i = 0; i < 3; i++) {
            StreamRun s = send(h);
            assertThat(s.forwarded()).isTrue();
            assertThat(s.status()).isEqualTo(200);
        }
        StreamRun s = send(h);
        assertThat(s.forwarded()).isFalse();
        assertThat(s.localReply().status()).isEqualTo(429);
        assertThat(s.localReply().body()).isEqualTo("local_rate_limited");
        assertThat(s.localReply().details()).isEqualTo("local_rate_limited");
        assertThat(s.localReply().responseFlag()).isEqualTo("RL");
        assertThat(s.status()).isEqualTo(429);
        assertThat(clientHeader(s, "retry-after")).isEqualTo("60");
        assertThat(allowed(h)).isEqualTo(3);
        assertThat(limited(h)).isEqualTo(1);
    }

    @Test
    void retryAfterIsTheWholeSecondsToTheNextFillRoundedUp() {
        FilterHarness h = harness(bucket(1, 1, "60s"));
        send(h);
        h.advance(Duration.ofMillis(10_500));
        assertThat(clientHeader(send(h), "retry-after")).isEqualTo("50");
        h.advance(Duration.ofMillis(49_499));
        assertThat(clientHeader(send(h), "retry-after")).isEqualTo("1");
    }

    @Test
    void retryAfterIsAtLeastOneSecond() {
        FilterHarness h = harness(bucket(1, 1, "100ms"));
        send(h);
        assertThat(clientHeader(send(h), "retry-after")).isEqualTo("1");
    }

    @Test
    void aFillComesAfterExactlyOneIntervalAndNotBefore() {
        FilterHarness h = harness(bucket(2, 1, "10s"));
        send(h);
        send(h);
        h.advance(Duration.ofSeconds(10).minusNanos(1));
        assertThat(send(h).status()).isEqualTo(429);
        h.advance(Duration.ofNanos(1));
        assertThat(send(h).status()).isEqualTo(200);
        assertThat(send(h).status()).isEqualTo(429);
    }

    @Test
    void theWorkersOfAConfigShareOneBucket() {
        FilterHarness w0 = harness(bucket(4, 4, "1h"));
        FilterHarness w1 = w0.anotherWorker(); // the same parsed config, so the same bucket
        int ok = 0;
        for (int i = 0; i < 5; i++) {
            ok += send(w0).status() == 200 ? 1 : 0;
            ok += send(w1).status() == 200 ? 1 : 0;
        }
        assertThat(ok).isEqualTo(4);
        // the metrics are the process's: both workers counted
        assertThat(allowed(w0)).isEqualTo(4);
        assertThat(limited(w0)).isEqualTo(6);
    }

    @Test
    void aHeaderKeyGivesEachValueItsBucketAndRequestsWithoutItShareOne() {
        Map<String, Object> raw = bucket(2, 2, "1h");
        raw.put("key", "header:x-user");
        FilterHarness h = harness(raw);
        assertThat(send(h, "x-user", "alice").status()).isEqualTo(200);
        assertThat(send(h, "x-user", "alice").status()).isEqualTo(200);
        assertThat(send(h, "x-user", "alice").status()).isEqualTo(429);
        assertThat(send(h, "X-User", "bob").status()).isEqualTo(200);
        // no header: the bucket of "", shared, so leaving the header out does not escape
        assertThat(send(h).status()).isEqualTo(200);
        assertThat(send(h).status()).isEqualTo(200);
        assertThat(send(h).status()).isEqualTo(429);
    }

    @Test
    void aClientIpKeyIgnoresTheClientPort() {
        Map<String, Object> raw = bucket(1, 1, "1h");
        raw.put("key", "client_ip");
        FilterHarness h = harness(raw);
        String ip = "source.address";
        assertThat(sendWith(h, ip, "10.0.0.7:5000").status()).isEqualTo(200);
        assertThat(sendWith(h, ip, "10.0.0.7:6000").status()).isEqualTo(429);
        assertThat(sendWith(h, ip, "10.0.0.8:5000").status()).isEqualTo(200);
        assertThat(sendWith(h, ip, "0:0:0:0:0:0:0:1:5000").status()).isEqualTo(200);
        assertThat(sendWith(h, ip, "0:0:0:0:0:0:0:1:6000").status()).isEqualTo(429);
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
        FilterHarness h = harness(raw);
        assertThat(sendWith(h, "route_name", "a").status()).isEqualTo(200);
        assertThat(sendWith(h, "route_name", "a").status()).isEqualTo(429);
        assertThat(sendWith(h, "route_name", "b").status()).isEqualTo(200);
        assertThat(send(h).status()).isEqualTo(200); // unnamed: ""
        assertThat(send(h).status()).isEqualTo(429);
    }

    @Test
    void theLeastRecentlyUsedKeyIsEvictedAndComesBackFull() {
        Map<String, Object> raw = bucket(1, 1, "1h");
        raw.put("key", "header:x-user");
        raw.put("max_keys", 2);
        FilterHarness h = harness(raw);
        assertThat(send(h, "x-user", "a").status()).isEqualTo(200);
        assertThat(send(h, "x-user", "b").status()).isEqualTo(200);
        assertThat(send(h, "x-user", "a").status()).isEqualTo(429); // a used last
        assertThat(send(h, "x-user", "c").status()).isEqualTo(200); // evicts b
        assertThat(send(h, "x-user", "a").status()).isEqualTo(429); // a kept
        assertThat(send(h, "x-user", "b").status()).isEqualTo(200); // fresh; evicts c
        assertThat(send(h, "x-user", "a").status()).isEqualTo(429);
        assertThat(((LocalRateLimitConfig) h.config()).buckets().size()).isEqualTo(2);
    }

    @Test
    void shadowModeCountsLimitedRequestsAndPassesThem() {
        Map<String, Object> raw = bucket(1, 1, "1h");
        raw.put("shadow", true);
        FilterHarness h = harness(raw);
        for (int i = 0; i < 3; i++) {
            StreamRun s = send(h);
            assertThat(s.localReply()).isNull();
            assertThat(s.forwarded()).isTrue();
            assertThat(s.status()).isEqualTo(200);
        }
        assertThat(allowed(h)).isEqualTo(1);
        assertThat(limited(h)).isEqualTo(2);
    }

    @Test
    void rateLimitHeadersFollowTheDraftOnPassedAndLimitedResponses() {
        Map<String, Object> raw = bucket(3, 3, "60s");
        raw.put("rate_limit_headers", true);
        FilterHarness h = harness(raw);
        StreamRun first = send(h);
        assertThat(clientHeader(first, "ratelimit-policy")).isEqualTo("\"local\";q=3;w=60");
        assertThat(clientHeader(first, "ratelimit")).isEqualTo("\"local\";r=2;t=60");
        h.advance(Duration.ofSeconds(20));
        assertThat(clientHeader(send(h), "ratelimit")).isEqualTo("\"local\";r=1;t=40");
        assertThat(clientHeader(send(h), "ratelimit")).isEqualTo("\"local\";r=0;t=40");
        StreamRun limitedOne = send(h);
        assertThat(limitedOne.status()).isEqualTo(429);
        assertThat(clientHeader(limitedOne, "ratelimit-policy")).isEqualTo("\"local\";q=3;w=60");
        assertThat(clientHeader(limitedOne, "ratelimit")).isEqualTo("\"local\";r=0;t=40");
        assertThat(clientHeader(limitedOne, "retry-after")).isEqualTo("40");
    }

    @Test
    void noRateLimitHeadersUnlessAskedFor() {
        FilterHarness h = harness(bucket(1, 1, "60s"));
        StreamRun passed = send(h);
        assertThat(passed.status()).isEqualTo(200);
        assertThat(clientHeader(passed, "ratelimit")).isNull();
        assertThat(clientHeader(passed, "ratelimit-policy")).isNull();
        StreamRun limitedOne = send(h);
        assertThat(limitedOne.status()).isEqualTo(429);
        assertThat(clientHeader(limitedOne, "ratelimit")).isNull();
        assertThat(clientHeader(limitedOne, "ratelimit-policy")).isNull();
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
        return (LocalRateLimitConfig)
                FilterHarness.parseConfig(factory, bucket(max, perFill, interval));
    }

    @Test
    void aRouteOverrideHasItsOwnBucket() {
        FilterHarness h = harness(bucket(1, 1, "1h"));
        // parsed once, as Weir parses a route's override at load: its requests share its bucket
        Object override = FilterHarness.parseConfig(factory, bucket(2, 2, "1h"));
        assertThat(run(h.request("GET", "/").parsedRouteConfig(override)).status()).isEqualTo(200);
        assertThat(run(h.request("GET", "/").parsedRouteConfig(override)).status()).isEqualTo(200);
        assertThat(run(h.request("GET", "/").parsedRouteConfig(override)).status()).isEqualTo(429);
        // the listener's bucket is untouched
        assertThat(send(h).status()).isEqualTo(200);
        assertThat(send(h).status()).isEqualTo(429);
        assertThat(allowed(h)).isEqualTo(3);
        assertThat(limited(h)).isEqualTo(2);
    }
}
