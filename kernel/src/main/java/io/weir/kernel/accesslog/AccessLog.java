package io.weir.kernel.accesslog;

/**
 * A sink for access log entries, opened by {@link AccessLogs#open}.
 *
 * <p>Threading: {@link #log} may be called from any thread (the workers) and never blocks nor
 * throws: a full queue drops the entry and counts it. {@link #reopen} and {@link #close} may be
 * called from any thread; {@code reopen} returns at once, {@code close} waits (bounded) for the
 * queued entries to be written.
 */
public interface AccessLog {
    /** Queues {@code e} to be written; drops it (counted) when the queue is full or closed. */
    void log(AccessLogEntry e);

    /**
     * Closes and reopens the file, for log rotation: entries logged after this call go to the file
     * now at the path. A no-op for {@code /dev/stdout}.
     */
    void reopen();

    /** Writes what is queued, closes the file and stops the writer thread. Idempotent. */
    void close();
}
