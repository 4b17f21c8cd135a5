package io.weir.filters.wasm;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Interrupts a worker thread whose guest callback runs past its deadline; Chicory checks the
 * interrupt flag in loops and calls and throws {@code ChicoryInterruptedException}. Arming and
 * disarming are two volatile writes on the worker's own slot (no allocation, no lock); one daemon
 * thread scans the slots every {@link #SCAN_MILLIS} ms. A slot's state makes sure a thread is
 * interrupted only inside the callback it was armed for; a flag that arrives as the callback ends
 * is cleared by {@link Slot#disarm}.
 */
final class Watchdog {
    static final long SCAN_MILLIS = 5;
    static final Watchdog INSTANCE = new Watchdog();

    private final CopyOnWriteArrayList<Slot> slots = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Slot> mine =
            ThreadLocal.withInitial(
                    () -> {
                        Slot s = new Slot(Thread.currentThread());
                        slots.add(s);
                        return s;
                    });

    private Watchdog() {
        Thread t = new Thread(this::scan, "weir-wasm-watchdog");
        t.setDaemon(true);
        t.start();
    }

    /** One thread's state: 0 idle, an odd call number while in a call, -1 fired. */
    static final class Slot {
        final Thread thread;
        private final AtomicLong state = new AtomicLong();
        private volatile long deadline;
        private volatile boolean interruptSent;
        private long seq = 1;

        Slot(Thread thread) {
            this.thread = thread;
        }

        /** Starts a call of at most {@code timeoutNanos}; only by {@link #thread} itself. */
        void arm(long timeoutNanos) {
            deadline = System.nanoTime() + timeoutNanos;
            seq += 2;
            state.set(seq);
        }

        /** Ends the call; true when the thread was interrupted for it (the flag is cleared). */
        boolean disarm() {
            long s = state.get();
            if (s != -1 && state.compareAndSet(s, 0)) {
                return false;
            }
            while (!interruptSent) {
                Thread.onSpinWait();
            }
            Thread.interrupted();
            interruptSent = false;
            state.set(0);
            return true;
        }
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
            try {
                Thread.sleep(SCAN_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Slot s : slots) {
                long st = s.state.get();
                if (st > 0 && now - s.deadline > 0 && s.state.compareAndSet(st, -1)) {
                    s.thread.interrupt();
                    s.interruptSent = true;
                }
            }
        }
    }
}
