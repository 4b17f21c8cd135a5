package io.weir.kernel.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HistogramTest {
    private final Stats stats = new Stats(2);

    @Test
    void upperBoundsAreInclusiveAndLargeValuesLandInInf() {
        Histogram h = stats.histogram("weir_t", "t", new double[] {1, 5, 10});
        h.record(0, 0.2);
        h.record(0, 1); // == bound: first bucket
        h.record(1, 1.0001);
        h.record(1, 10);
        h.record(stats.otherSlot(), 11);
        h.record(0, Double.NaN); // ignored
        assertThat(h.cumulativeCounts()).containsExactly(2, 3, 4, 5);
        assertThat(h.count()).isEqualTo(5);
        assertThat(h.sum()).isCloseTo(0.2 + 1 + 1.0001 + 10 + 11, within(1e-9));
        assertThat(h.upperBounds()).containsExactly(1, 5, 10);
    }

    @Test
    void estimatesQuantilesByInterpolatingInsideTheBucket() {
        Histogram h = stats.histogram("weir_q", "q", new double[] {10, 20, 40});
        for (int i = 0; i < 50; i++) {
            h.record(0, 5); // bucket (0,10]
        }
        for (int i = 0; i < 40; i++) {
            h.record(1, 15); // bucket (10,20]
        }
        for (int i = 0; i < 10; i++) {
            h.record(1, 100); // +Inf
        }
        assertThat(h.quantile(0.5)).isCloseTo(10.0, within(1e-9));
        assertThat(h.quantile(0.25)).isCloseTo(5.0, within(1e-9));
        assertThat(h.quantile(0.7)).isCloseTo(15.0, within(1e-9));
        // the rank falls in +Inf: the highest finite bound
        assertThat(h.quantile(0.99)).isEqualTo(40.0);
    }

    @Test
    void quantileOfAnEmptyHistogramIsNaN() {
        Histogram h = stats.histogram("weir_e", "e", Stats.DEFAULT_MS_BUCKETS);
        assertThat(h.quantile(0.5)).isNaN();
        assertThat(h.count()).isZero();
        assertThat(h.sum()).isZero();
        assertThat(h.cumulativeCounts()).hasSize(Stats.DEFAULT_MS_BUCKETS.length + 1);
    }

    @Test
    void countsExactlyWithConcurrentWorkersAndOtherThreads() throws Exception {
        Stats s = new Stats(3);
        Histogram h = s.histogram("weir_c", "c", Stats.DEFAULT_MS_BUCKETS);
        int perThread = 100_000;
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int t = 0; t < 5; t++) {
                int slot = t < 3 ? t : s.otherSlot();
                done.add(
                        CompletableFuture.runAsync(
                                () -> {
                                    for (int i = 0; i < perThread; i++) {
                                        h.record(slot, i % 2 == 0 ? 3 : 7000);
                                    }
                                },
                                pool));
            }
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new))
                    .get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        long total = 5L * perThread;
        assertThat(h.count()).isEqualTo(total);
        assertThat(h.sum()).isEqualTo(total / 2 * 3.0 + total / 2 * 7000.0);
        long[] cum = h.cumulativeCounts();
        assertThat(cum[2]).isEqualTo(total / 2); // <= 5
        assertThat(cum[11]).isEqualTo(total / 2); // <= 5000
        assertThat(cum[12]).isEqualTo(total); // <= 10000
    }
}
