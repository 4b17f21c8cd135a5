package io.weir.filters.localratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
    static final long T0 = 5_000_000_000_000L;
    static final long SECOND = 1_000_000_000L;

    @Test
    void startsFullAndGivesExactlyMaxTokens() {
        TokenBucket b = new TokenBucket(3, 3, SECOND, T0);
        assertThat(b.tryAcquire(T0)).isEqualTo(2);
        assertThat(b.tryAcquire(T0)).isEqualTo(1);
        assertThat(b.tryAcquire(T0)).isEqualTo(0);
        assertThat(b.tryAcquire(T0)).isEqualTo(-1);
        assertThat(b.available(T0)).isZero();
    }

    @Test
    void refillsAtTheEndOfExactlyOneIntervalNotBefore() {
        TokenBucket b = new TokenBucket(2, 1, 10 * SECOND, T0);
        b.tryAcquire(T0);
        b.tryAcquire(T0);
        assertThat(b.tryAcquire(T0 + 10 * SECOND - 1)).isEqualTo(-1);
        assertThat(b.tryAcquire(T0 + 10 * SECOND)).isEqualTo(0);
        assertThat(b.tryAcquire(T0 + 10 * SECOND)).isEqualTo(-1);
    }

    @Test
    void addsTokensPerFillForEachWholeIntervalOnly() {
        TokenBucket b = new TokenBucket(10, 3, SECOND, T0);
        for (int i = 0; i < 10; i++) {
            b.tryAcquire(T0);
        }
        assertThat(b.available(T0 + 2 * SECOND + SECOND / 2)).isEqualTo(6);
    }

    @Test
    void neverRefillsAboveMaxTokens() {
        TokenBucket b = new TokenBucket(5, 2, SECOND, T0);
        for (int i = 0; i < 5; i++) {
            b.tryAcquire(T0);
        }
        assertThat(b.available(T0 + 2 * SECOND)).isEqualTo(4);
        assertThat(b.available(T0 + 3 * SECOND)).isEqualTo(5);
        assertThat(b.available(T0 + 1_000_000 * SECOND)).isEqualTo(5);
        assertThat(b.tryAcquire(T0 + 1_000_000 * SECOND)).isEqualTo(4);
    }

    @Test
    void fillsFollowTheBucketsScheduleNotTheLastRequest() {
        TokenBucket b = new TokenBucket(1, 1, SECOND, T0);
        // drained late in the first interval: the fill still comes at T0 + 1s, as Envoy's timer
        assertThat(b.tryAcquire(T0 + 900_000_000L)).isZero();
        assertThat(b.tryAcquire(T0 + SECOND - 1)).isEqualTo(-1);
        assertThat(b.tryAcquire(T0 + SECOND)).isZero();
    }

    @Test
    void nanosToNextFillCountsDownWithinEachInterval() {
        TokenBucket b = new TokenBucket(1, 1, 60 * SECOND, T0);
        assertThat(b.nanosToNextFill(T0)).isEqualTo(60 * SECOND);
        assertThat(b.nanosToNextFill(T0 + 10 * SECOND + 1)).isEqualTo(50 * SECOND - 1);
        assertThat(b.nanosToNextFill(T0 + 60 * SECOND)).isEqualTo(60 * SECOND);
    }

    @Test
    void aClockReadingOlderThanTheStoredIntervalGetsNoFill() {
        TokenBucket b = new TokenBucket(2, 1, SECOND, T0);
        b.tryAcquire(T0 + 5 * SECOND);
        b.tryAcquire(T0 + 5 * SECOND);
        // a thread that read the clock in interval 4 and lost the race must not see a wrapped,
        // huge number of fills
        assertThat(b.tryAcquire(T0 + 4 * SECOND)).isEqualTo(-1);
        assertThat(b.tryAcquire(T0 + 6 * SECOND)).isEqualTo(0);
    }

    @Test
    void theLargestBucketKeepsItsCountAndRefills() {
        long max = LocalRateLimitConfig.MAX_TOKENS_LIMIT;
        TokenBucket b = new TokenBucket(max, 7, SECOND, T0);
        assertThat(b.tryAcquire(T0)).isEqualTo(max - 1);
        assertThat(b.tryAcquire(T0)).isEqualTo(max - 2);
        assertThat(b.available(T0 + SECOND)).isEqualTo(max);
        // a billion intervals later (2^31 - 1 is the limit with 32 token bits) it is full again
        assertThat(b.tryAcquire(T0 + 1_000_000_000L * SECOND)).isEqualTo(max - 1);
    }

    @Test
    void concurrentTakersGetExactlyMaxTokens() throws Exception {
        int threads = 8;
        int perThread = 20_000;
        long max = 5_000;
        TokenBucket b = new TokenBucket(max, max, 3600 * SECOND, T0);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> got = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                got.add(
                        pool.submit(
                                () -> {
                                    start.await();
                                    int n = 0;
                                    for (int i = 0; i < perThread; i++) {
                                        if (b.tryAcquire(T0 + i) >= 0) {
                                            n++;
                                        }
                                    }
                                    return n;
                                }));
            }
            start.countDown();
            long total = 0;
            for (Future<Integer> f : got) {
                total += f.get(30, TimeUnit.SECONDS);
            }
            assertThat(total).isEqualTo(max);
        } finally {
            pool.shutdownNow();
        }
    }
}
