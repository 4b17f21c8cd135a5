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

class BucketsTest {
    static final long T0 = 1_000_000_000_000L;
    static final long HOUR = 3_600_000_000_000L;

    @Test
    void oneBucketWithoutAKeyWhateverTheKeySays() {
        Buckets b = new Buckets(1, 1, HOUR, 10, false);
        assertThat(b.bucket("a", T0)).isSameAs(b.bucket("b", T0));
        assertThat(b.size()).isEqualTo(1);
    }

    @Test
    void eachKeyGetsItsOwnFullBucket() {
        Buckets b = new Buckets(1, 1, HOUR, 10, true);
        assertThat(b.bucket("alice", T0).tryAcquire(T0)).isZero();
        assertThat(b.bucket("alice", T0).tryAcquire(T0)).isEqualTo(-1);
        assertThat(b.bucket("bob", T0).tryAcquire(T0)).isZero();
        assertThat(b.size()).isEqualTo(2);
    }

    @Test
    void evictsTheLeastRecentlyUsedKeyNotTheOldestInserted() {
        Buckets b = new Buckets(1, 1, HOUR, 2, true);
        TokenBucket a = b.bucket("a", T0);
        TokenBucket bb = b.bucket("b", T0);
        assertThat(b.bucket("a", T0)).isSameAs(a); // a is now more recent than b
        b.bucket("c", T0); // full: evicts b
        assertThat(b.size()).isEqualTo(2);
        assertThat(b.evictions()).isEqualTo(1);
        assertThat(b.bucket("a", T0)).isSameAs(a);
        assertThat(b.bucket("b", T0)).isNotSameAs(bb); // a fresh bucket; evicts c
        assertThat(b.evictions()).isEqualTo(2);
        assertThat(b.bucket("a", T0)).isSameAs(a);
    }

    @Test
    void followsRecencyOverManyUses() {
        Buckets b = new Buckets(1, 1, HOUR, 3, true);
        TokenBucket k1 = b.bucket("k1", T0);
        b.bucket("k2", T0);
        TokenBucket k3 = b.bucket("k3", T0);
        b.bucket("k2", T0);
        b.bucket("k1", T0);
        b.bucket("k3", T0);
        b.bucket("k1", T0);
        // recency, oldest first: k2, k3, k1
        b.bucket("k4", T0);
        assertThat(b.bucket("k1", T0)).isSameAs(k1);
        assertThat(b.bucket("k3", T0)).isSameAs(k3);
        assertThat(b.evictions()).isEqualTo(1);
    }

    @Test
    void neverHoldsMoreThanMaxKeys() {
        Buckets b = new Buckets(1, 1, HOUR, 10, true);
        for (int i = 0; i < 1000; i++) {
            b.bucket("k" + i, T0);
            assertThat(b.size()).isLessThanOrEqualTo(10);
        }
        assertThat(b.evictions()).isEqualTo(990);
    }

    @Test
    void concurrentUseStaysWithinMaxKeysAndSharesBucketsOfOneKey() throws Exception {
        Buckets b = new Buckets(1_000_000, 1, HOUR, 50, true);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                done.add(
                        pool.submit(
                                () -> {
                                    start.await();
                                    for (int i = 0; i < 20_000; i++) {
                                        b.bucket("k" + ((i * 7 + seed) % 200), T0).tryAcquire(T0);
                                    }
                                    return null;
                                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertThat(b.size()).isLessThanOrEqualTo(50);
            // one key, one bucket, whichever thread created it
            assertThat(b.bucket("shared", T0)).isSameAs(b.bucket("shared", T0));
        } finally {
            pool.shutdownNow();
        }
    }
}
