package io.weir.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CallTimerTest {
    private static final long MS = 1_000_000L;

    @Test
    void aCallPastItsLimitExpiresOnce() throws Exception {
        CountDownLatch fired = new CountDownLatch(1);
        AtomicInteger expiries = new AtomicInteger();
        CallTimer t =
                new CallTimer(
                        () -> {
                            expiries.incrementAndGet();
                            fired.countDown();
                        });
        long t0 = System.nanoTime();
        t.start(50 * MS);
        assertThat(fired.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(50 * MS);
        Thread.sleep(200); // no second expiry for the same call
        t.end();
        assertThat(expiries).hasValue(1);
    }

    @Test
    void shortCallsScheduleNoCheckEachAndNeverExpire() throws Exception {
        AtomicInteger expiries = new AtomicInteger();
        CallTimer t = new CallTimer(expiries::incrementAndGet);
        for (int i = 0; i < 10_000; i++) {
            t.start(200 * MS);
            t.end();
        }
        assertThat(t.checks.get()).as("one pending check for all of them").isEqualTo(1);
        Thread.sleep(400); // the check ran and found no call
        assertThat(expiries).hasValue(0);
    }

    @Test
    void aLongCallAfterShortOnesStillExpiresAtItsOwnLimit() throws Exception {
        CountDownLatch fired = new CountDownLatch(1);
        CallTimer t = new CallTimer(fired::countDown);
        t.start(100 * MS); // schedules the check for 100 ms from now
        t.end();
        Thread.sleep(60);
        long t0 = System.nanoTime();
        t.start(100 * MS); // runs past its limit: the pending check moves on to this deadline
        assertThat(fired.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(100 * MS);
        t.end();
        assertThat(t.checks.get()).isEqualTo(2);
    }
}
