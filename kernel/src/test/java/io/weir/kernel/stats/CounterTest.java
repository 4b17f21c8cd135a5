package io.weir.kernel.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CounterTest {
    private static final int WORKERS = 4;
    private static final int PER_THREAD = 200_000;

    @Test
    void countsExactlyWithEachWorkerOnItsOwnSlotAndSeveralOtherThreads() throws Exception {
        Stats stats = new Stats(WORKERS);
        Counter c = stats.counter("weir_test_total", "test");
        Gauge g = stats.gauge("weir_test_active", "test");
        int otherThreads = 3;
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS + otherThreads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int t = 0; t < WORKERS + otherThreads; t++) {
                int slot = t < WORKERS ? t : stats.otherSlot();
                done.add(
                        CompletableFuture.runAsync(
                                () -> {
                                    await(go);
                                    for (int i = 0; i < PER_THREAD; i++) {
                                        c.inc(slot);
                                        g.add(slot, 2);
                                        g.dec(slot);
                                    }
                                    c.add(slot, 5);
                                },
                                pool));
            }
            go.countDown();
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new))
                    .get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        long threads = WORKERS + otherThreads;
        assertThat(c.value()).isEqualTo(threads * (PER_THREAD + 5));
        assertThat(g.value()).isEqualTo(threads * PER_THREAD);
    }

    @Test
    void gaugeSlotsMayGoNegativeAndTheSumIsTheValue() {
        Stats stats = new Stats(2);
        Gauge g = stats.gauge("weir_cx_active", "open connections");
        g.inc(0);
        g.inc(0);
        g.dec(1);
        g.add(stats.otherSlot(), 10);
        assertThat(g.value()).isEqualTo(11);
    }

    @Test
    void rejectsSlotsOutsideWorkersAndOther() {
        Stats stats = new Stats(2);
        Counter c = stats.counter("weir_x_total", "x");
        assertThatThrownBy(() -> c.inc(3))
                .isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessage("slot 3 out of range 0..2 (workers=2)");
        assertThatThrownBy(() -> c.inc(-1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(c.value()).isZero();
    }

    @Test
    void worksWithNoWorkersAtAll() {
        Stats stats = new Stats(0);
        Counter c = stats.counter("weir_x_total", "x");
        c.inc(stats.otherSlot());
        assertThat(stats.otherSlot()).isZero();
        assertThat(c.value()).isEqualTo(1);
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("start latch timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
