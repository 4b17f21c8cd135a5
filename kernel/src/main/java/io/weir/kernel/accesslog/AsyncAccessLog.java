package io.weir.kernel.accesslog;

import io.weir.kernel.config.ListenerConfig.AccessLogConfig.Format;
import io.weir.kernel.stats.Counter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link AccessLog} with a bounded lock-free queue in front of one daemon writer thread.
 *
 * <p>The writer formats entries into a batch of whole lines and writes the batch when it reaches
 * {@value #FLUSH_CHARS} characters or when the queue drains, then parks until a producer wakes it.
 * A {@link #reopen} is a marker in the queue, so it takes effect exactly between the entries logged
 * before and after it.
 */
final class AsyncAccessLog implements AccessLog {
    private static final Logger log = LoggerFactory.getLogger(AsyncAccessLog.class);
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final Object REOPEN = new Object();
    static final int FLUSH_CHARS = 64 * 1024;
    private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long CLOSE_TIMEOUT_MILLIS = 10_000;

    private final String path;
    private final Format format;
    private final TextFormat textFormat;
    private final LogSink sink;
    private final MpscQueue<Object> queue;
    private final Counter droppedStat;
    private final Counter writeErrorStat;
    private final int slot;
    private final LongAdder dropped = new LongAdder();
    private final Thread writer;
    private final AtomicBoolean closing = new AtomicBoolean();

    private volatile boolean closed;
    private volatile boolean writerParked;
    private volatile boolean reopenPending;

    // writer thread only
    private final StringBuilder batch = new StringBuilder(FLUSH_CHARS + 1024);
    private long droppedWarned;
    private long lastDropWarnNanos;
    private long lastErrorWarnNanos;
    private boolean warnedOnce;
    private boolean errorWarnedOnce;

    AsyncAccessLog(
            String path,
            Format format,
            TextFormat textFormat,
            LogSink sink,
            int capacity,
            Counter droppedStat,
            Counter writeErrorStat,
            int slot) {
        this.path = path;
        this.format = format;
        this.textFormat = textFormat;
        this.sink = sink;
        this.queue = new MpscQueue<>(capacity);
        this.droppedStat = droppedStat;
        this.writeErrorStat = writeErrorStat;
        this.slot = slot;
        this.writer = new Thread(this::run, "weir-access-log-" + THREADS.incrementAndGet());
        this.writer.setDaemon(true);
        this.writer.start();
    }

    @Override
    public void log(AccessLogEntry e) {
        if (e == null) {
            return;
        }
        if (closed || !queue.offer(e)) {
            dropped.increment();
            droppedStat.inc(slot);
            return;
        }
        // Dekker with the writer: offer's CAS, then read the flag; the writer sets the flag,
        // then checks the queue. One of the two sees the other.
        if (writerParked) {
            LockSupport.unpark(writer);
        }
    }

    @Override
    public void reopen() {
        if (closed) {
            return;
        }
        if (!queue.offer(REOPEN)) {
            reopenPending = true;
        }
        LockSupport.unpark(writer);
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        LockSupport.unpark(writer);
        if (Thread.currentThread() == writer) {
            return;
        }
        try {
            writer.join(CLOSE_TIMEOUT_MILLIS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            log.warn(
                    "access log writer did not finish path={} timeout_ms={}",
                    path,
                    CLOSE_TIMEOUT_MILLIS);
        }
    }

    private void run() {
        try {
            loop();
        } finally {
            try {
                sink.close();
            } catch (IOException | RuntimeException e) {
                writeError("close", e);
            }
        }
    }

    private void loop() {
        while (true) {
            Object o = queue.poll();
            if (o != null) {
                if (o == REOPEN) {
                    flush();
                    doReopen();
                } else {
                    append((AccessLogEntry) o);
                    if (batch.length() >= FLUSH_CHARS) {
                        flush();
                    }
                }
                continue;
            }
            flush();
            warnDropped();
            if (reopenPending) {
                reopenPending = false;
                doReopen();
                continue;
            }
            if (closed) {
                if (queue.isEmpty()) {
                    return;
                }
                continue;
            }
            writerParked = true;
            if (queue.isEmpty() && !closed && !reopenPending) {
                LockSupport.park(this);
            }
            writerParked = false;
        }
    }

    private void append(AccessLogEntry e) {
        int mark = batch.length();
        try {
            AccessLogFormatter.append(format, textFormat, e, batch);
        } catch (RuntimeException ex) {
            batch.setLength(mark);
            writeError("format", ex);
        }
    }

    private void flush() {
        if (batch.length() == 0) {
            return;
        }
        byte[] bytes = batch.toString().getBytes(StandardCharsets.UTF_8);
        batch.setLength(0);
        try {
            sink.write(bytes);
        } catch (IOException | RuntimeException e) {
            writeError("write", e);
        }
    }

    private void doReopen() {
        try {
            sink.reopen();
            log.info("access log reopened path={}", path);
        } catch (IOException | RuntimeException e) {
            writeError("reopen", e);
        }
    }

    private void writeError(String op, Exception e) {
        writeErrorStat.inc(slot);
        long now = System.nanoTime();
        if (!errorWarnedOnce || now - lastErrorWarnNanos >= WARN_INTERVAL_NANOS) {
            errorWarnedOnce = true;
            lastErrorWarnNanos = now;
            log.warn("access log {} failed path={} error={}", op, path, e.toString());
        }
    }

    /** Logged by the writer, not by the workers that dropped: they must not do I/O. */
    private void warnDropped() {
        long d = dropped.sum();
        if (d == droppedWarned) {
            return;
        }
        long now = System.nanoTime();
        if (!warnedOnce || now - lastDropWarnNanos >= WARN_INTERVAL_NANOS) {
            warnedOnce = true;
            lastDropWarnNanos = now;
            log.warn(
                    "access log queue full, entries dropped path={} dropped={} total={}",
                    path,
                    d - droppedWarned,
                    d);
            droppedWarned = d;
        }
    }

    /** Entries dropped by this log so far. */
    long dropped() {
        return dropped.sum();
    }

    Thread writerThread() {
        return writer;
    }

    @Override
    public String toString() {
        return "AccessLog[" + path + ", " + format + "]";
    }
}
