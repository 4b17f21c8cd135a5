package io.weir.filters.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** The watchdog on its own: its scan period, and when it interrupts a call. */
class WatchdogTest {
    private static final long MS = 1_000_000L;

    @Test
    void scansOncePerTheShortestTimeoutRegisteredWithinBounds() {
        Watchdog w = new Watchdog("test-watchdog-period");
        assertThat(w.periodNanos()).as("no VM yet").isEqualTo(Watchdog.MAX_PERIOD_NANOS);
        w.register(50 * MS);
        assertThat(w.periodNanos()).isEqualTo(50 * MS);
        w.register(2_000 * MS);
        assertThat(w.periodNanos()).as("a longer timeout does not raise it").isEqualTo(50 * MS);
        w.register(100_000L);
        assertThat(w.periodNanos()).as("floor").isEqualTo(Watchdog.MIN_PERIOD_NANOS);
        Watchdog w2 = new Watchdog("test-watchdog-period-2");
        w2.register(60_000 * MS);
        assertThat(w2.periodNanos()).as("ceiling").isEqualTo(Watchdog.MAX_PERIOD_NANOS);
    }

    @Test
    void aCallPastItsTimeoutIsInterruptedNotBeforeIt() {
        Watchdog w = new Watchdog("test-watchdog-fire");
        long timeout = 40 * MS;
        w.register(timeout);
        Watchdog.Slot slot = w.slot();
        long t0 = System.nanoTime();
        slot.arm(timeout);
        while (!Thread.currentThread().isInterrupted()) {
            assertThat(System.nanoTime() - t0)
                    .as("interrupted within seconds")
                    .isLessThan(TimeUnit.SECONDS.toNanos(10));
            Thread.onSpinWait();
        }
        long took = System.nanoTime() - t0;
        assertThat(slot.disarm()).as("the call was interrupted").isTrue();
        assertThat(Thread.currentThread().isInterrupted()).as("flag cleared").isFalse();
        assertThat(took).as("not before the timeout").isGreaterThanOrEqualTo(timeout);
        // by the second scan that sees it: twice the timeout, with room for a loaded machine
        assertThat(took).as("by about twice the timeout").isLessThan(2 * timeout + 500 * MS);
    }

    @Test
    void callsShorterThanTheTimeoutAreNeverInterruptedThoughScansSeeThem() {
        Watchdog w = new Watchdog("test-watchdog-short");
        long timeout = 40 * MS;
        w.register(timeout); // scans every 40 ms
        Watchdog.Slot slot = w.slot();
        long start = System.nanoTime();
        for (int i = 0; i < 8; i++) { // 8 back-to-back calls of 30 ms: 240 ms armed in all
            slot.arm(timeout);
            long t0 = System.nanoTime();
            while (System.nanoTime() - t0 < 30 * MS) {
                Thread.onSpinWait();
            }
            assertThat(Thread.currentThread().isInterrupted()).as("call %d", i).isFalse();
            assertThat(slot.disarm()).as("call %d", i).isFalse();
        }
        assertThat(System.nanoTime() - start).isGreaterThan(4 * timeout);
    }

    @Test
    void anIdleScannerDozesAndTheNextCallWakesIt() throws Exception {
        Watchdog w = new Watchdog("test-watchdog-doze");
        long timeout = 40 * MS;
        w.register(timeout); // scans every 40 ms
        Watchdog.Slot slot = w.slot();
        long t0 = System.nanoTime();
        while (!w.dozing()) {
            assertThat(System.nanoTime() - t0).as("dozes within seconds").isLessThan(10_000 * MS);
            Thread.sleep(5);
        }
        long scans = w.scans();
        Thread.sleep(300);
        assertThat(w.scans() - scans)
                .as("scans while dozing for 300 ms (15 awake)")
                .isLessThanOrEqualTo(1);
        long t1 = System.nanoTime();
        slot.arm(timeout);
        assertThat(w.dozing()).as("woken by the call").isFalse();
        while (!Thread.currentThread().isInterrupted()) {
            assertThat(System.nanoTime() - t1)
                    .as("interrupted within seconds")
                    .isLessThan(10_000 * MS);
            Thread.onSpinWait();
        }
        long took = System.nanoTime() - t1;
        assertThat(slot.disarm()).as("the call was interrupted").isTrue();
        assertThat(took)
                .as("after its timeout, not at the end of a doze")
                .isGreaterThanOrEqualTo(timeout)
                .isLessThan(Watchdog.MAX_PERIOD_NANOS);
    }

    @Test
    void shortCallsBetweenScansKeepTheScannerAwake() {
        Watchdog w = new Watchdog("test-watchdog-awake");
        long timeout = 40 * MS;
        w.register(timeout); // scans every 40 ms; calls of about 1 us are rarely armed at a scan
        Watchdog.Slot slot = w.slot();
        long scans = w.scans();
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < 400 * MS || w.scans() - scans < 3 * Watchdog.IDLE_SCANS) {
            slot.arm(timeout);
            long c = System.nanoTime();
            while (System.nanoTime() - c < 1_000) {
                Thread.onSpinWait();
            }
            assertThat(slot.disarm()).isFalse();
            LockSupport.parkNanos(50_000);
        }
        assertThat(w.dozes()).as("never dozed while calls came").isZero();
    }
}
