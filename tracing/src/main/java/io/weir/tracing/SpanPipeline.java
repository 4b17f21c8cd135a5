package io.weir.tracing;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.weir.spi.Metrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Ended sampled spans on their way from the workers to an OpenTelemetry {@link SpanExporter}: a
 * bounded queue and one export thread, with the batching rules of OpenTelemetry's batch span
 * processor (export when {@code max_export_batch_size} spans wait or {@code schedule_delay} has
 * passed; at most {@code max_queue_size} wait; an export may take {@code export_timeout}).
 *
 * <p>With an OTLP exporter ({@link BlockExporter}) each worker thread encodes the spans it ends
 * into its own lane, one growing buffer, and publishes the buffer as a {@link SpanBlock} once it
 * holds a batch; the export thread takes blocks whose spans are older than {@code schedule_delay}
 * itself. Per span that is one uncontended lock and the encoding, with no object per span left for
 * the export thread, which copies a few contiguous blocks into each request. With another exporter
 * (Zipkin) the spans themselves are queued.
 *
 * <p>Threading: {@link #offer} runs on any worker and never blocks: a full queue drops the span
 * (counted). Everything else runs on the export thread {@code weir-trace-export}, so a slow or
 * absent backend costs the workers nothing. Each failed export counts once as a failure and its
 * spans as dropped. {@code max_queue_size} bounds the published spans plus the offering worker's
 * lane; every other worker's lane may hold up to one more batch.
 */
final class SpanPipeline implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("weir.tracing");
    private static final int FIRST_BLOCK_BYTES = 64 * 1024;
    private static final int MAX_SPARE = 4;

    private final SpanExporter exporter;
    private final BlockExporter blockExporter; // the exporter, when it takes encoded blocks
    private final int maxQueueSize;
    private final int batchSize;
    private final long delayNanos;
    private final long timeoutMillis;
    private final ConcurrentLinkedQueue<RecordedSpan> queue = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<SpanBlock> blocks = new ConcurrentLinkedQueue<>();

    /**
     * Block buffers the export thread is done with, for the next lane that publishes: a batch is a
     * few hundred KiB, and a new array each time cost the worker its zeroing and the young
     * generation its size. At most {@link #MAX_SPARE} wait.
     */
    private final ConcurrentLinkedQueue<byte[]> spare = new ConcurrentLinkedQueue<>();

    private final AtomicInteger queued = new AtomicInteger(); // published, not yet exported
    private final ThreadLocal<Lane> lane = ThreadLocal.withInitial(this::newLane);
    private final CopyOnWriteArrayList<Lane> lanes = new CopyOnWriteArrayList<>();
    private final Metrics.Counter dropped;
    private final Metrics.Counter failures;
    private final Metrics.Counter exported;

    /** The three counters' totals, for the line {@link #close} logs. */
    private final LongAdder droppedTotal = new LongAdder();

    private final LongAdder failuresTotal = new LongAdder();
    private final LongAdder exportedTotal = new LongAdder();
    private final Thread thread;
    private volatile boolean closing;

    /** One worker thread's spans not yet published; guarded by its own lock. */
    private static final class Lane {
        final Thread owner = Thread.currentThread();
        final OtlpEncoder encoder = OtlpEncoder.forBlocks(FIRST_BLOCK_BYTES);
        int spans;
        long firstNanos; // when the first of them was appended
    }

    SpanPipeline(
            SpanExporter exporter,
            int maxQueueSize,
            int batchSize,
            Duration scheduleDelay,
            Duration exportTimeout,
            Metrics metrics) {
        this.exporter = exporter;
        this.blockExporter = exporter instanceof BlockExporter b ? b : null;
        this.maxQueueSize = maxQueueSize;
        this.batchSize = batchSize;
        this.delayNanos = Math.max(1, scheduleDelay.toNanos());
        this.timeoutMillis = Math.max(1, exportTimeout.toMillis());
        this.dropped =
                metrics.counter(
                        "weir_tracing_spans_dropped_total",
                        "Sampled spans never exported: the export queue was full or the export"
                                + " failed");
        this.failures =
                metrics.counter(
                        "weir_tracing_export_failures_total",
                        "Span exports that failed (backend down, slow or refusing)");
        this.exported = metrics.counter("weir_tracing_spans_exported_total", "Spans exported");
        this.thread = new Thread(this::run, "weir-trace-export");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * The calling thread's lane: found by the thread's id in {@link #byThread} (a worker's slot
     * there stays its own unless two threads' ids collide), else through the thread-local. A
     * profile at 100% sampling had the {@code ThreadLocal} lookup at about 50 ns a request (two
     * spans). Workers only read their own slot; a racy write only costs a later lookup.
     */
    private Lane lane() {
        Thread t = Thread.currentThread();
        int i = (int) t.getId() & (LANE_SLOTS - 1);
        Lane l = byThread[i];
        if (l == null || l.owner != t) {
            l = lane.get();
            byThread[i] = l;
        }
        return l;
    }

    private static final int LANE_SLOTS = 64;
    private final Lane[] byThread = new Lane[LANE_SLOTS];

    private Lane newLane() {
        Lane l = new Lane();
        lanes.add(l);
        return l;
    }

    /**
     * Queues an ended sampled span, or drops it (counted) when the queue is full. Any thread. For
     * an OTLP exporter the span is encoded here, on the worker that ended it, into that thread's
     * lane.
     */
    void offer(RecordedSpan span) {
        if (blockExporter != null) {
            append(span);
            return;
        }
        int n = queued.incrementAndGet();
        if (n > maxQueueSize) {
            queued.decrementAndGet();
            drop(1);
            return;
        }
        queue.offer(span);
        if (n == batchSize) {
            LockSupport.unpark(thread); // a full batch waits: export it now
        }
    }

    private void append(RecordedSpan span) {
        Lane l = lane();
        int published;
        synchronized (l) {
            if (queued.get() + l.spans >= maxQueueSize) {
                drop(1);
                return;
            }
            if (l.spans == 0) {
                l.firstNanos = System.nanoTime();
            }
            l.encoder.appendSpan(span);
            l.spans++;
            if (l.spans < batchSize) {
                return;
            }
            published = publish(l);
        }
        if (published >= batchSize) {
            LockSupport.unpark(thread); // a full batch waits: export it now
        }
    }

    /** Publishes what {@code l} holds as one block; returns how many spans are queued. */
    private int publish(Lane l) {
        int n = l.spans;
        int len = l.encoder.length();
        byte[] fresh = spare.poll();
        if (fresh == null || fresh.length < len) { // one too small would grow while encoding
            fresh = new byte[Math.max(FIRST_BLOCK_BYTES, len + (len >> 3))];
        }
        byte[] b = l.encoder.takeBuffer(fresh);
        l.spans = 0;
        blocks.offer(new SpanBlock(b, len, n));
        return queued.addAndGet(n);
    }

    /**
     * Publishes every lane whose first span waited {@code schedule_delay} (every lane when {@code
     * all}); returns {@code now} when it published any, else when the next one is due (at the
     * latest one delay from now).
     */
    private long publishDue(long now, boolean all) {
        long next = now + delayNanos;
        boolean any = false;
        for (Lane l : lanes) {
            synchronized (l) {
                if (l.spans > 0) {
                    long due = l.firstNanos + delayNanos;
                    if (all || due - now <= 0) {
                        publish(l);
                        any = true;
                    } else if (due - now < next - now) {
                        next = due;
                    }
                } else if (!l.owner.isAlive()) {
                    lanes.remove(l); // its thread is gone and it holds nothing
                    for (int i = 0; i < LANE_SLOTS; i++) {
                        if (byThread[i] == l) {
                            byThread[i] = null;
                        }
                    }
                }
            }
        }
        return any ? now : next;
    }

    private void run() {
        long deadline = System.nanoTime() + delayNanos;
        while (!closing) {
            deadline = step(deadline);
        }
        if (blockExporter != null) {
            publishDue(System.nanoTime(), true);
        }
        while (exportBatch() > 0) { // closing: what is queued goes out
            continue;
        }
        if (blockExporter != null) {
            blockExporter.settle(); // the last export's answer
        }
    }

    /**
     * One turn of the export thread: publishes the lanes that are due, then waits for a batch or
     * the deadline, or exports one; returns the next deadline. A method of its own so that it is
     * compiled: {@link #run} never returns and a few hundred turns a second never get it compiled
     * on the stack, and a profile at 100% sampling had the export thread interpreting this turn for
     * about 1 ms of every second.
     */
    private long step(long deadline) {
        long now = System.nanoTime();
        if (blockExporter != null) {
            long due = publishDue(now, false);
            if (due - deadline < 0) {
                deadline = due;
            }
        }
        long wait = deadline - now;
        if (queued.get() < batchSize && wait > 0) {
            if (blockExporter != null && blockExporter.unsettled()) {
                long left = settleBy - now;
                if (left <= 0) { // no batch came soon after the last: read its answer now
                    blockExporter.settle();
                    return deadline;
                }
                wait = Math.min(wait, left);
            }
            LockSupport.parkNanos(this, wait);
            return deadline;
        }
        exportBatch();
        return System.nanoTime() + delayNanos;
    }

    /**
     * How long an export's answer may wait unread for the next batch, whose export reads it first:
     * with batches coming faster than this, the export thread sleeps once a batch instead of twice
     * (for the answer, then for the next batch). At most half the export timeout.
     */
    static final long SETTLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** When the open export's answer is read at the latest (see {@link #SETTLE_NANOS}). */
    private long settleBy;

    /**
     * Exports up to one batch and waits for it at most {@code export_timeout}, or, with an exporter
     * that reads the answer later ({@link BlockExporter#settle}), leaves its result open until
     * then; returns how many spans it took.
     */
    private int exportBatch() {
        int n;
        CompletableResultCode r;
        if (blockExporter != null) {
            List<SpanBlock> batch = new ArrayList<>();
            n = 0;
            SpanBlock b;
            while ((b = blocks.peek()) != null && (n == 0 || n + b.spans() <= batchSize)) {
                blocks.poll(); // the export thread is the only consumer
                batch.add(b);
                n += b.spans();
            }
            if (n == 0) {
                return 0;
            }
            queued.addAndGet(-n);
            try {
                r = blockExporter.exportBlocks(batch);
            } catch (RuntimeException e) {
                r = CompletableResultCode.ofExceptionalFailure(e);
            }
            CompletableResultCode sent = r;
            sent.whenComplete( // on this thread: the exporter is done with the blocks
                    () -> {
                        for (SpanBlock done : batch) {
                            if (spare.size() < MAX_SPARE) { // only this thread adds: few to count
                                spare.offer(done.bytes());
                            }
                        }
                    });
            if (!sent.isDone()) { // its answer is read by the next export, or by settleBy
                settleBy =
                        System.nanoTime() + Math.min(SETTLE_NANOS, (timeoutMillis * 1_000_000) / 2);
                count(sent, n);
                return n;
            }
        } else {
            List<SpanData> batch = new ArrayList<>(Math.min(batchSize, Math.max(1, queued.get())));
            RecordedSpan s;
            while (batch.size() < batchSize && (s = queue.poll()) != null) {
                batch.add(s);
            }
            if (batch.isEmpty()) {
                return 0;
            }
            n = batch.size();
            queued.addAndGet(-n);
            try {
                r = exporter.export(batch);
            } catch (RuntimeException e) {
                r = CompletableResultCode.ofExceptionalFailure(e);
            }
        }
        count(r, n);
        r.join(timeoutMillis, TimeUnit.MILLISECONDS);
        return n;
    }

    /** Counts the {@code n} spans of an export as exported or dropped when its result comes. */
    private void count(CompletableResultCode result, int n) {
        result.whenComplete(
                () -> {
                    if (result.isSuccess()) {
                        exported.add(n);
                        exportedTotal.add(n);
                    } else {
                        failures.inc();
                        failuresTotal.increment();
                        drop(n);
                    }
                });
    }

    /** Exports what is queued, then shuts the exporter down; waits at most about two timeouts. */
    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(thread);
        try {
            thread.join(timeoutMillis + 2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Lane l : lanes) {
            synchronized (l) {
                if (l.spans > 0) {
                    drop(l.spans); // offered after the last export: never sent
                }
                l.spans = 0;
                l.encoder.takeBuffer(new byte[0]); // the lane outlives the pipeline in its thread
            }
        }
        exporter.shutdown().join(timeoutMillis + 2000, TimeUnit.MILLISECONDS);
        LOG.log(
                System.Logger.Level.INFO,
                "span export stopped: spans_exported={0} spans_dropped={1} export_failures={2}",
                Long.toString(exportedTotal.sum()),
                Long.toString(droppedTotal.sum()),
                Long.toString(failuresTotal.sum()));
    }

    private void drop(long n) {
        dropped.add(n);
        droppedTotal.add(n);
    }
}
