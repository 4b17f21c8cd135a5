package io.weir.tracing;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The time limit of one poster's calls ({@link HttpPoster}, {@link GrpcPoster}), checked lazily on
 * the shared {@link SocketPoster#TIMER} thread: a call writes its deadline and clears it when it
 * ends, and at most one check is pending at a time. A check that finds the current call's deadline
 * passed runs the expiry (which closes the connection under the call); one that finds a later
 * deadline schedules itself for it; one that finds no call lets the next call schedule the next
 * check. So back-to-back calls much shorter than the limit cost no timer task each (a task
 * scheduled and cancelled per call woke the timer thread about a hundred times a second at 100%
 * sampling). Start and end: the poster's thread; checks: the timer thread.
 */
final class CallTimer {
    private final Runnable expiry;
    private final AtomicBoolean scheduled = new AtomicBoolean();

    /** Checks scheduled so far (for tests). */
    final AtomicInteger checks = new AtomicInteger();

    /**
     * When the current call must have ended (System.nanoTime), or 0 when none runs or it has
     * expired.
     */
    private final AtomicLong deadline = new AtomicLong();

    CallTimer(Runnable expiry) {
        this.expiry = expiry;
    }

    /** A call starts that may last {@code timeoutNanos}. */
    void start(long timeoutNanos) {
        long d = System.nanoTime() + timeoutNanos;
        deadline.set(d == 0 ? 1 : d);
        if (scheduled.compareAndSet(false, true)) {
            checks.incrementAndGet();
            SocketPoster.TIMER.schedule(this::check, timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The call ended. */
    void end() {
        deadline.set(0);
    }

    private void check() {
        long d = deadline.get();
        if (d != 0 && System.nanoTime() - d >= 0 && deadline.compareAndSet(d, 0)) {
            expiry.run(); // once per call: its deadline is gone
        }
        scheduled.set(false);
        d = deadline.get(); // a call that started while this check ran (its CAS above failed)
        if (d != 0 && scheduled.compareAndSet(false, true)) {
            long left = Math.max(0, d - System.nanoTime());
            checks.incrementAndGet();
            SocketPoster.TIMER.schedule(this::check, left, TimeUnit.NANOSECONDS);
        }
    }
}
