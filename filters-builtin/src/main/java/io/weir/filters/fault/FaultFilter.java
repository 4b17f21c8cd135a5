package io.weir.filters.fault;

import io.weir.spi.Cancellable;
import io.weir.spi.FilterStatus;
import io.weir.spi.Headers;
import io.weir.spi.HttpFilter;
import io.weir.spi.LocalReply;
import io.weir.spi.StreamContext;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * One request through {@code weir.fault}. Both faults are decided when the request headers arrive
 * (each by its own draw): a delay pauses the request on a timer (the worker goes on serving other
 * streams) and records the flag {@code DI}; an abort answers with a local reply and the flag {@code
 * FI}; with both, the abort follows the delay, as in Envoy. A fault counts as in progress from its
 * start until the stream ends.
 */
final class FaultFilter implements HttpFilter {
    static final String DELAY = "x-weir-fault-delay-request";
    static final String DELAY_PERCENTAGE = "x-weir-fault-delay-request-percentage";
    static final String ABORT = "x-weir-fault-abort-request";
    static final String ABORT_GRPC = "x-weir-fault-abort-grpc-request";
    static final String ABORT_PERCENTAGE = "x-weir-fault-abort-request-percentage";
    static final String BODY = "fault filter abort";
    static final String DETAILS = "fault_filter_abort";

    private final StreamContext ctx;
    private final FaultRoot root;
    private boolean active;
    private FaultConfig.Abort pendingAbort;
    private Cancellable timer;

    FaultFilter(StreamContext ctx, FaultRoot root) {
        this.ctx = ctx;
        this.root = root;
    }

    @Override
    public FilterStatus onRequestHeaders(Headers headers, boolean endOfStream) {
        FaultConfig c = (FaultConfig) ctx.config();
        RandomGenerator random = c.random() != null ? c.random() : ThreadLocalRandom.current();
        Duration delay = delay(c, headers, random);
        FaultConfig.Abort abort = abort(c, headers, random);
        if (delay == null && abort == null) {
            return FilterStatus.CONTINUE;
        }
        if (!root.tryActivate(c.maxActiveFaults(), ctx.nanoTime())) {
            return FilterStatus.CONTINUE;
        }
        active = true;
        if (delay == null) {
            abort(abort);
            return FilterStatus.STOP;
        }
        root.delays.inc();
        ctx.addResponseFlag("DI");
        pendingAbort = abort;
        timer = ctx.schedule(delay, this::delayOver);
        return FilterStatus.STOP;
    }

    private void delayOver() {
        timer = null;
        if (pendingAbort != null) {
            abort(pendingAbort);
        } else {
            ctx.continueRequest();
        }
    }

    private void abort(FaultConfig.Abort a) {
        root.aborts.inc();
        LocalReply.Builder r =
                LocalReply.status(a.httpStatus()).details(DETAILS).responseFlag("FI");
        if (a.isGrpc()) {
            r.header("content-type", "application/grpc")
                    .header("grpc-status", Integer.toString(a.grpcStatus()))
                    .header("grpc-message", BODY);
        } else {
            r.body(BODY);
        }
        ctx.sendLocalReply(r.build());
    }

    @Override
    public void onDestroy() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
        if (active) {
            active = false;
            root.release();
        }
    }

    /** The delay for this request, or null. */
    static Duration delay(FaultConfig c, Headers headers, RandomGenerator random) {
        Duration d = c.delay() == null ? null : c.delay().fixedDelay();
        double cap = c.delay() == null ? 100 : c.delay().percentage();
        double pct = c.delay() == null ? 0 : cap;
        if (c.headersControl()) {
            long ms = whole(headers.get(DELAY), 0, Integer.MAX_VALUE);
            if (ms >= 0) {
                d = ms == 0 ? null : Duration.ofMillis(ms);
                pct = Math.min(cap, percentage(headers.get(DELAY_PERCENTAGE)));
            }
        }
        return d != null && draw(random, pct) ? d : null;
    }

    /** The abort for this request, or null. */
    static FaultConfig.Abort abort(FaultConfig c, Headers headers, RandomGenerator random) {
        FaultConfig.Abort a = c.abort();
        double cap = a == null ? 100 : a.percentage();
        double pct = a == null ? 0 : cap;
        if (c.headersControl()) {
            long http = whole(headers.get(ABORT), 200, 599);
            long grpc = http < 0 ? whole(headers.get(ABORT_GRPC), 0, Integer.MAX_VALUE) : -1;
            if (http >= 0 || grpc >= 0) {
                pct = Math.min(cap, percentage(headers.get(ABORT_PERCENTAGE)));
                a =
                        http >= 0
                                ? FaultConfig.Abort.http((int) http, pct)
                                : FaultConfig.Abort.grpc((int) grpc, pct);
            }
        }
        return a != null && draw(random, pct) ? a : null;
    }

    /** True with probability {@code percentage} / 100; no draw at 0 or 100. */
    static boolean draw(RandomGenerator random, double percentage) {
        if (percentage <= 0) {
            return false;
        }
        return percentage >= 100 || random.nextDouble() * 100 < percentage;
    }

    /** A whole number in [min, max], or -1 when absent or not one. */
    private static long whole(String v, long min, long max) {
        if (v == null || v.isEmpty() || v.length() > 10) {
            return -1;
        }
        for (int i = 0; i < v.length(); i++) {
            if (v.charAt(i) < '0' || v.charAt(i) > '9') {
                return -1;
            }
        }
        long n = Long.parseLong(v);
        return n < min || n > max ? -1 : n;
    }

    /** A header percentage 0..100 (decimals allowed); 100 when absent or invalid. */
    private static double percentage(String v) {
        if (v == null) {
            return 100;
        }
        try {
            double p = Double.parseDouble(v.trim());
            return FaultConfig.isPercentage(p) ? p : 100;
        } catch (NumberFormatException e) {
            return 100;
        }
    }
}
