package io.weir.kernel.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MpscQueueTest {
    @Test
    void offerFailsWhenFullAndSucceedsAgainAfterAPoll() {
        MpscQueue<Integer> q = new MpscQueue<>(3);
        assertThat(q.isEmpty()).isTrue();
        assertThat(q.poll()).isNull();
        assertThat(q.offer(1)).isTrue();
        assertThat(q.offer(2)).isTrue();
        assertThat(q.offer(3)).isTrue();
        assertThat(q.offer(4)).isFalse();
        assertThat(q.size()).isEqualTo(3);
        assertThat(q.poll()).isEqualTo(1);
        assertThat(q.offer(5)).isTrue();
        assertThat(q.offer(6)).isFalse();
        assertThat(q.poll()).isEqualTo(2);
        assertThat(q.poll()).isEqualTo(3);
        assertThat(q.poll()).isEqualTo(5);
        assertThat(q.poll()).isNull();
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void concurrentProducersLoseNothingAndKeepEachProducersOrder() throws Exception {
        int producers = 4;
        int perProducer = 50_000;
        MpscQueue<long[]> q = new MpscQueue<>(1000);
        ExecutorService pool = Executors.newFixedThreadPool(producers);
        try {
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int id = p;
                done.add(
                        CompletableFuture.runAsync(
                                () -> {
                                    for (int i = 0; i < perProducer; i++) {
                                        long[] e = {id, i};
                                        while (!q.offer(e)) {
                                            Thread.yield();
                                        }
                                    }
                                },
                                pool));
            }
            long[] next = new long[producers];
            long received = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (received < (long) producers * perProducer) {
                long[] e = q.poll();
                if (e == null) {
                    if (System.nanoTime() > deadline) {
                        fail("timed out after " + received + " elements");
                    }
                    Thread.yield();
                    continue;
                }
                assertThat(e[1]).isEqualTo(next[(int) e[0]]);
                next[(int) e[0]]++;
                received++;
            }
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new))
                    .get(60, TimeUnit.SECONDS);
            assertThat(q.poll()).isNull();
            assertThat(next).containsOnly(perProducer);
        } finally {
            pool.shutdownNow();
        }
    }
}
