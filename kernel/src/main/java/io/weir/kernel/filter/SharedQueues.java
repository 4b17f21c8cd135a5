package io.weir.kernel.filter;

import io.weir.spi.SharedQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named shared queues. Any thread enqueues; the registrant is notified on its own worker through
 * the executor it registered with (once per batch). Thread-safe.
 */
public final class SharedQueues {
    /** Messages a queue holds before enqueue answers false. */
    static final int CAPACITY = 10_000;

    private final ConcurrentHashMap<String, Queue> queues = new ConcurrentHashMap<>();

    /** Registers {@code name} for a context: {@code onMessage} runs via {@code executor}. */
    public SharedQueue register(String name, Executor executor, Runnable onMessage) {
        Queue q = queues.computeIfAbsent(name, Queue::new);
        q.listener = new Listener(executor, onMessage);
        return q;
    }

    /** The queue {@code name}, or null when never registered. */
    public SharedQueue resolve(String name) {
        return queues.get(name);
    }

    private record Listener(Executor executor, Runnable onMessage) {}

    private static final class Queue implements SharedQueue {
        private final String name;
        private final ConcurrentLinkedQueue<byte[]> messages = new ConcurrentLinkedQueue<>();
        private final AtomicInteger size = new AtomicInteger();
        private final AtomicBoolean notifyPending = new AtomicBoolean();
        volatile Listener listener;

        Queue(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean enqueue(byte[] message) {
            if (size.incrementAndGet() > CAPACITY) {
                size.decrementAndGet();
                return false;
            }
            messages.add(message == null ? new byte[0] : message.clone());
            Listener l = listener;
            if (l != null && notifyPending.compareAndSet(false, true)) {
                l.executor()
                        .execute(
                                () -> {
                                    notifyPending.set(false);
                                    l.onMessage().run();
                                });
            }
            return true;
        }

        @Override
        public byte[] dequeue() {
            byte[] m = messages.poll();
            if (m != null) {
                size.decrementAndGet();
            }
            return m;
        }
    }
}
