package io.weir.spi;

/**
 * A named FIFO of byte messages shared by all workers, like proxy-wasm's shared queues. Any worker
 * may enqueue; the context that registered the queue is told on its own worker when messages arrive
 * and dequeues them.
 *
 * <p>Threading: thread-safe and non-blocking; messages are copied.
 */
public interface SharedQueue {
    /** The queue's name. */
    String name();

    /** Appends a message. Returns false when the queue is full (10 000 messages). */
    boolean enqueue(byte[] message);

    /** The oldest message, or null when empty. */
    byte[] dequeue();
}
