package io.weir.filters.localratelimit;

import io.weir.spi.FilterStatus;
import io.weir.spi.Headers;
import io.weir.spi.HttpFilter;
import io.weir.spi.LocalReply;
import io.weir.spi.StreamContext;

/**
 * One request through {@code weir.local_ratelimit}: takes a token from the request's bucket, or
 * answers 429 (in shadow mode: counts and passes). With {@code rate_limit_headers} the response
 * gets the fields of draft-ietf-httpapi-ratelimit-headers-11, {@code RateLimit-Policy: "local";
 * q=MAX;w=SECONDS} and {@code RateLimit: "local";r=LEFT;t=SECONDS}.
 */
final class LocalRateLimitFilter implements HttpFilter {
    static final String BODY = "local_rate_limited";
    static final String DETAILS = "local_rate_limited";

    private final StreamContext ctx;
    private final LocalRateLimitFilterFactory.Root root;
    private String policy; // set when the response gets RateLimit fields
    private String limit;

    LocalRateLimitFilter(StreamContext ctx, LocalRateLimitFilterFactory.Root root) {
        this.ctx = ctx;
        this.root = root;
    }

    @Override
    public FilterStatus onRequestHeaders(Headers headers, boolean endOfStream) {
        LocalRateLimitConfig c = (LocalRateLimitConfig) ctx.config();
        long now = ctx.nanoTime();
        String key = c.key() == null ? "" : c.key().of(ctx, headers);
        TokenBucket bucket = c.buckets().bucket(key, now);
        long left = bucket.tryAcquire(now);
        if (left >= 0) {
            root.allowed.inc();
        } else {
            root.limited.inc();
        }
        long resetSeconds = seconds(bucket.nanosToNextFill(now));
        if (c.rateLimitHeaders()) {
            policy = policy(c);
            limit = "\"local\";r=" + Math.max(0, left) + ";t=" + resetSeconds;
        }
        if (left >= 0 || c.shadow()) {
            return FilterStatus.CONTINUE;
        }
        LocalReply.Builder reply =
                LocalReply.status(429)
                        .body(BODY)
                        .details(DETAILS)
                        .responseFlag("RL")
                        .header("retry-after", Long.toString(resetSeconds));
        if (policy != null) {
            reply.header("ratelimit-policy", policy).header("ratelimit", limit);
        }
        ctx.sendLocalReply(reply.build());
        return FilterStatus.STOP;
    }

    @Override
    public FilterStatus onResponseHeaders(Headers headers, boolean endOfStream) {
        if (policy != null) {
            headers.set("ratelimit-policy", policy);
            headers.set("ratelimit", limit);
        }
        return FilterStatus.CONTINUE;
    }

    /**
     * {@code "local";q=MAX;w=W}: W is the time an empty bucket takes to fill up, in whole seconds
     * rounded up (at least 1: the draft has no sub-second windows).
     */
    static String policy(LocalRateLimitConfig c) {
        long fills = (c.maxTokens() + c.tokensPerFill() - 1) / c.tokensPerFill();
        long nanos = c.fillInterval().toNanos();
        long window = fills > Long.MAX_VALUE / nanos ? Long.MAX_VALUE : fills * nanos;
        return "\"local\";q=" + c.maxTokens() + ";w=" + seconds(window);
    }

    /** Whole seconds, rounded up, at least 1. */
    static long seconds(long nanos) {
        return Math.max(1, nanos / 1_000_000_000L + (nanos % 1_000_000_000L == 0 ? 0 : 1));
    }
}
