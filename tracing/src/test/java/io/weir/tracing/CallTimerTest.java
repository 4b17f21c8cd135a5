package io.weir.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CallTimerTest {
    private static final long MS = 1_000_000L;

    /**
     * Waits until the timer thread has run everything due within {@code delayMs} from now: it runs
     * its tasks one at a time in deadline order, so a marker task due then runs after them.
     */
    private static void timerPassed(long delayMs) throws InterruptedException {
        CountDownLatch marker = new CountDownLatch(1);
        SocketPoster.TIMER.schedule(marker::countDown, delayMs, TimeUnit.MILLISECONDS);
        assertThat(marker.await(5, TimeUnit.SECONDS)).isTrue();
    }

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
        timerPassed(0); // the check that expired it is done: no second expiry for the call
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
        timerPassed(250); // the check (due at 200 ms) ran and found no call
        assertThat(expiries).hasValue(0);
    }

    @Test
    void aLongCallAfterShortOnesStillExpiresAtItsOwnLimit() throws Exception {
        CountDownLatch fired = new CountDownLatch(1);
        CallTimer t = new CallTimer(fired::countDown);
        t.start(100 * MS); // schedules the check for 100 ms from now
        t.end();
        Thread.sleep(60); // an offset, not a wait: the next deadline falls after the pending check
        long t0 = System.nanoTime();
        t.start(100 * MS); // runs past its limit: the pending check moves on to this deadline
        assertThat(fired.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(100 * MS);
        t.end();
        assertThat(t.checks.get()).isEqualTo(2);
    }
}
