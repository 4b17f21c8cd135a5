package io.weir.filters.ratelimit;

import io.weir.spi.Cancellable;
import io.weir.spi.FilterStatus;
import io.weir.spi.Headers;
import io.weir.spi.HttpFilter;
import io.weir.spi.LocalReply;
import io.weir.spi.StreamContext;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One request: asks Redis (one {@code EVALSHA}) and holds the request headers until the reply or
 * the timeout, whichever comes first; the other is ignored. The reply arrives on the Redis client's
 * thread and is posted to this stream's worker with {@code ctx.executor()} before it touches the
 * stream (the executor drops it once the stream has ended; {@link #done} guards too). Worker thread
 * only.
 */
final class RateLimitFilter implements HttpFilter {
    /** Makes sliding-window members unique across processes: this process's random part. */
    private static final String NONCE = nonce();

    private static final AtomicLong SEQ = new AtomicLong();

    private final RateLimitRoot root;
    private final StreamContext ctx;
    private RateLimitConfig config;
    private Cancellable timer;
    private boolean waiting;
    private boolean done;

    private static String nonce() {
        byte[] b = new byte[8];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    RateLimitFilter(RateLimitRoot root, StreamContext ctx) {
        this.root = root;
        this.ctx = ctx;
    }

    @Override
    public FilterStatus onRequestHeaders(Headers headers, boolean endOfStream) {
        RateLimitConfig c = (RateLimitConfig) ctx.config();
        config = c;
        ScriptRunner redis = root.redis(c.redis());
        if (redis.down()) {
            // no connection: decide now rather than wait for the timeout
            return failed(ScriptRunner.CONNECT, "no connection to redis", false);
        }
        String key = c.redisKey(ctx.filterName(), headers, ctx::property);
        String requests = Long.toString(c.requests());
        String perMs = Long.toString(c.per().toMillis());
        List<String> args =
                c.algorithm() == RateLimitConfig.Algorithm.SLIDING_WINDOW
                        ? List.of(requests, perMs, NONCE + ":" + SEQ.incrementAndGet())
                        : List.of(requests, perMs);
        waiting = true;
        timer = ctx.schedule(c.timeout(), this::timedOut);
        Executor worker = ctx.executor();
        redis.evalsha(
                c.algorithm().script,
                key,
                args,
                c.timeout(),
                new ScriptRunner.Callback() {
                    @Override
                    public void onReply(Reply reply) {
                        worker.execute(() -> replied(reply));
                    }

                    @Override
                    public void onFailure(String reason, String detail) {
                        worker.execute(() -> failedLater(reason, detail));
                    }
                });
        return FilterStatus.STOP;
    }

    /** Takes the decision if no one took it yet; false when it came too late. */
    private boolean decide() {
        if (!waiting || done) {
            return false;
        }
        waiting = false;
        timer.cancel();
        return true;
    }

    private void timedOut() {
        if (!waiting || done) {
            return;
        }
        waiting = false;
        failed("timeout", "no reply within " + config.timeout().toMillis() + "ms", true);
    }

    private void failedLater(String reason, String detail) {
        if (decide()) {
            failed(reason, detail, true);
        }
    }

    private void replied(Reply reply) {
        if (!decide()) {
            return;
        }
        if (reply instanceof Reply.Multi m
                && m.elements() != null
                && m.elements().size() == 3
                && m.elements().stream().allMatch(Reply.Int.class::isInstance)) {
            boolean allowed = ((Reply.Int) m.elements().get(0)).value() == 1;
            long ms = ((Reply.Int) m.elements().get(2)).value();
            if (allowed) {
                root.allowed.inc();
                ctx.continueRequest();
            } else {
                root.limited.inc();
                ctx.sendLocalReply(
                        LocalReply.status(429)
                                .body("rate_limited")
                                .header(
                                        "retry-after",
                                        Long.toString(Math.max(1, (ms + 999) / 1000)))
                                .details("rate_limited")
                                .responseFlag("RL")
                                .build());
            }
        } else if (reply instanceof Reply.Error e) {
            failed(ScriptRunner.ERROR, "redis answered " + e.message(), true);
        } else {
            failed(ScriptRunner.ERROR, "unexpected reply " + reply, true);
        }
    }

    /**
     * Redis did not decide: count it, then allow (continue the request if {@code paused}) or, with
     * {@code failure_mode_deny}, answer 500.
     */
    private FilterStatus failed(String reason, String detail, boolean paused) {
        root.errors.inc(reason);
        boolean deny = config.failureModeDeny();
        root.warn(
                "redis decision failed address="
                        + config.redis().address()
                        + " reason="
                        + reason
                        + " detail="
                        + detail
                        + (deny ? " denying" : " allowing")
                        + " (at most one such line per worker per 10s)");
        if (!deny) {
            root.failureModeAllowed.inc();
            if (paused) {
                ctx.continueRequest();
            }
            return FilterStatus.CONTINUE;
        }
        ctx.sendLocalReply(
                LocalReply.status(500)
                        .body("rate limit service unavailable")
                        .details("ratelimit_unavailable")
                        .responseFlag("RLSE")
                        .build());
        return FilterStatus.STOP;
    }

    @Override
    public void onDestroy() {
        done = true;
        waiting = false;
    }
}
