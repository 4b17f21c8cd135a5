package io.weir.kernel.accesslog;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A bounded, lock-free, multi-producer single-consumer array queue (the JCTools {@code
 * MpscArrayQueue} algorithm): producers claim an index with one CAS and publish the element with a
 * release store; the single consumer reads the slot, clears it and advances its index.
 *
 * <p>Threading: {@link #offer} from any thread; {@link #poll} only from the one consumer thread.
 */
final class MpscQueue<E> {
    private final AtomicReferenceArray<E> buffer;
    private final int mask;
    private final int capacity;
    private final AtomicLong producerIndex = new AtomicLong();
    private volatile long consumerIndex;

    /** Producers' cached limit: producerIndex below it needs no look at consumerIndex. */
    private volatile long producerLimit;

    MpscQueue(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1 (was " + capacity + ")");
        }
        int size = 1;
        while (size < capacity) {
            size <<= 1;
        }
        this.buffer = new AtomicReferenceArray<>(size);
        this.mask = size - 1;
        this.capacity = capacity;
        this.producerLimit = capacity;
    }

    int capacity() {
        return capacity;
    }

    /** Adds {@code e} unless the queue is full; never blocks. */
    boolean offer(E e) {
        if (e == null) {
            throw new NullPointerException("e");
        }
        long limit = producerLimit;
        long p;
        do {
            p = producerIndex.get();
            if (p >= limit) {
                limit = consumerIndex + capacity;
                if (p >= limit) {
                    return false;
                }
                producerLimit = limit;
            }
        } while (!producerIndex.compareAndSet(p, p + 1));
        buffer.setRelease((int) (p & mask), e);
        return true;
    }

    /** The next element, or null when empty. Consumer thread only. */
    E poll() {
        long c = consumerIndex;
        int i = (int) (c & mask);
        E e = buffer.getAcquire(i);
        if (e == null) {
            if (c == producerIndex.get()) {
                return null;
            }
            // a producer claimed the slot and is about to publish it
            do {
                Thread.onSpinWait();
                e = buffer.getAcquire(i);
            } while (e == null);
        }
        buffer.setRelease(i, null);
        consumerIndex = c + 1;
        return e;
    }

    /** Whether nothing is queued or being published (a volatile read of both indexes). */
    boolean isEmpty() {
        return consumerIndex == producerIndex.get();
    }

    int size() {
        return (int) Math.max(0, producerIndex.get() - consumerIndex);
    }
}
