package io.weir.filters.wasm;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Interrupts a worker thread whose guest callback runs past its timeout; Chicory checks the
 * interrupt flag in loops and calls and throws {@code ChicoryInterruptedException}. Arming is a
 * plain write and an ordered (release) write on the worker's own slot, disarming one
 * compare-and-set: no clock read, no fence, no allocation, no lock per callback. One daemon thread
 * scans the slots and times the calls itself: a call it sees armed at two scans at least {@code
 * timeout} apart is interrupted, so never before its timeout. It scans once per the shortest
 * timeout of any VM created so far ({@link #register}; at least every {@link #MIN_PERIOD_NANOS}, at
 * most every {@link #MAX_PERIOD_NANOS}), so a call is stopped between its timeout and twice its
 * timeout: with the default 50 ms, 20 wake-ups a second. Each wake-up costs the same whatever the
 * scan does: on the test VM an empty park loop took 41 us of CPU a wake-up on a busy core, and the
 * scanner 48 us (1.9 ms of CPU a second under load at two scans per timeout, about 0.4% of a proxy
 * serving 25,000 requests a second; a fixed 5 ms period cost about 1%). A slot's state makes sure a
 * thread is interrupted only inside the callback it was armed for; a flag that arrives as the
 * callback ends is cleared by {@link Slot#disarm}.
 *
 * <p>When no callback ran for {@link #IDLE_SCANS} scans in a row, the scanner dozes: it sleeps for
 * {@link #MAX_PERIOD_NANOS}, and the next call to arm wakes it: kept up while idle, 40 wake-ups a
 * second (the period was half the timeout then) cost an idle Weir with a Wasm filter 2.2 ms of CPU
 * a second, more than all its other threads together. A call that starts just as the scanner
 * decides to doze may miss the wake-up: it is then seen at the end of the doze, at most {@link
 * #MAX_PERIOD_NANOS} late.
 */
final class Watchdog {
    static final long MIN_PERIOD_NANOS = 1_000_000L;
    static final long MAX_PERIOD_NANOS = 1_000_000_000L;

    /** Scans in a row without a callback after which the scanner dozes. */
    static final int IDLE_SCANS = 4;

    /** A slot's state after the scanner interrupted its thread, until the call is disarmed. */
    private static final long FIRED = -1;

    static final Watchdog INSTANCE = new Watchdog("weir-wasm-watchdog");

    private final CopyOnWriteArrayList<Slot> slots = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Slot> mine =
            ThreadLocal.withInitial(
                    () -> {
                        Slot s = new Slot(this, Thread.currentThread());
                        slots.add(s);
                        return s;
                    });

    /** How long the scanner sleeps between scans; only lowered, by {@link #register}. */
    private volatile long periodNanos = MAX_PERIOD_NANOS;

    private final Thread scanner;

    /** The scanner sleeps {@link #MAX_PERIOD_NANOS} for want of calls; an arm wakes it. */
    private volatile boolean dozing;

    /** The scanner's own: scans in a row that saw no callback. */
    private int idleScans;

    /** Scans made so far, and times it began to doze (for tests). */
    private volatile long scans;

    private volatile long dozes;

    /** A watchdog with its own daemon scanner thread (one per process; tests make their own). */
    Watchdog(String threadName) {
        scanner = new Thread(this::scan, threadName);
        scanner.setDaemon(true);
        scanner.start();
    }

    /**
     * A VM whose callbacks time out after {@code timeoutNanos} exists: from now on the scans come
     * at least that often (bounded by {@link #MIN_PERIOD_NANOS}). Never raised again: a VM that
     * goes away leaves the period as it was.
     */
    synchronized void register(long timeoutNanos) {
        long p = Math.max(MIN_PERIOD_NANOS, Math.min(MAX_PERIOD_NANOS, timeoutNanos));
        if (p < periodNanos) {
            periodNanos = p;
            LockSupport.unpark(scanner); // a scan now, then the new period
        }
    }

    /** The time between scans (for tests). */
    long periodNanos() {
        return periodNanos;
    }

    /**
     * One thread's state: an even number when idle (the last call's number plus one), the odd
     * number of the call it is in, or {@link #FIRED}. It only grows while the thread makes calls,
     * so a scan that finds it changed knows that calls were made since the last.
     */
    static final class Slot {
        final Thread thread;
        private final Watchdog owner;
        private final AtomicLong state = new AtomicLong();

        /** The armed call's timeout: written before {@link #state}, read after it. */
        private long timeoutNanos;

        private volatile boolean interruptSent;
        private long seq = 1;

        /** The scanner's own: the call it last saw armed, and when it first saw it. */
        private long seenCall;

        private long seenSince;

        /** The scanner's own: the state at its last scan. */
        private long lastState;

        Slot(Watchdog owner, Thread thread) {
            this.owner = owner;
            this.thread = thread;
        }

        /**
         * Starts a call of at most {@code timeoutNanos}; only by {@link #thread} itself. The
         * profile showed {@code System.nanoTime()} and two volatile writes here on every callback
         * (five a request); the scanner now reads the clock instead, and the release write
         * publishes the timeout with the call number without a fence (the scanner sees it by its
         * next tick at the latest). Wakes a dozing scanner.
         */
        void arm(long timeoutNanos) {
            this.timeoutNanos = timeoutNanos;
            seq += 2;
            state.lazySet(seq);
            if (owner.dozing) {
                owner.wake();
            }
        }

        /** Ends the call; true when the thread was interrupted for it (the flag is cleared). */
        boolean disarm() {
            long s = state.get();
            if (s != FIRED && state.compareAndSet(s, s + 1)) {
                return false;
            }
            while (!interruptSent) {
                Thread.onSpinWait();
            }
            Thread.interrupted();
            interruptSent = false;
            state.set(seq + 1);
            return true;
        }
    }

    /** A call started while the scanner dozed: scan now and at the period from then on. */
    private void wake() {
        dozing = false;
        LockSupport.unpark(scanner);
    }

    /** Whether the scanner dozes (for tests). */
    boolean dozing() {
        return dozing;
    }

    /** Scans made so far (for tests). */
    long scans() {
        return scans;
    }

    /** Times the scanner began to doze (for tests). */
    long dozes() {
        return dozes;
    }

    /**
     * The calling thread's slot, for a caller that keeps it (a VM is called by one worker) and arms
     * it with {@link Slot#arm} without a thread-local lookup per call.
     */
    Slot slot() {
        return mine.get();
    }

    private void scan() {
        while (true) {
            // an early return (register, wake) only scans sooner
            LockSupport.parkNanos(this, dozing ? MAX_PERIOD_NANOS : periodNanos);
            boolean calls = scanOnce(System.nanoTime());
            scans++;
            if (calls) {
                idleScans = 0;
                if (dozing) {
                    dozing = false; // a call that missed the wake-up
                }
            } else if (++idleScans >= IDLE_SCANS && !dozing && periodNanos < MAX_PERIOD_NANOS) {
                dozing = true;
                dozes++;
            }
        }
    }

    /**
     * One pass over the slots at {@code now}; true when a slot is in a call or made one since the
     * last pass. A method of its own so that it is compiled: the loop above never returns and ran
     * in the interpreter.
     */
    private boolean scanOnce(long now) {
        boolean calls = false;
        for (Slot s : slots) {
            long st = s.state.get();
            if (st != s.lastState) {
                s.lastState = st;
                calls = true;
            }
            if (st == FIRED || (st & 1) == 0) {
                continue; // idle, or fired and not yet disarmed
            }
            calls = true;
            if (st != s.seenCall) { // a call not seen before: it started at most a scan ago
                s.seenCall = st;
                s.seenSince = now;
            } else if (now - s.seenSince >= s.timeoutNanos && s.state.compareAndSet(st, FIRED)) {
                s.thread.interrupt();
                s.interruptSent = true;
            }
        }
        return calls;
    }
}
