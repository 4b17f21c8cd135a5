package io.weir.filters.localratelimit;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket shared by every worker, lock-free: one {@link AtomicLong} packs the tokens left
 * (low bits) and the index of the last fill interval seen (high bits), updated by compare-and-swap.
 * As in Envoy's local rate limit, the bucket starts full and gains {@code tokensPerFill} at the end
 * of each whole {@code fillInterval} counted from its creation, never above {@code maxTokens};
 * nothing runs between requests: the fills due are added when the bucket is next used.
 *
 * <p>The interval index is kept modulo 2<sup>64 - token bits</sup> (at least 2<sup>32</sup>, as
 * {@code maxTokens} fits 32 bits). A thread whose clock reading is older than the index another
 * thread stored (it read the clock first and lost the race) sees no fill rather than a wrapped one.
 *
 * <p>Thread-safe. Time is whatever monotonic nanosecond clock the caller passes (the filter passes
 * its context's injected clock).
 */
final class TokenBucket {
    private final long maxTokens;
    private final long tokensPerFill;
    private final long intervalNanos;
    private final long origin;
    private final int tokenBits;
    private final long tokenMask;
    private final long indexMask;
    private final AtomicLong state;

    /** A full bucket whose first interval starts at {@code nowNanos}. */
    TokenBucket(long maxTokens, long tokensPerFill, long intervalNanos, long nowNanos) {
        if (maxTokens <= 0 || maxTokens > LocalRateLimitConfig.MAX_TOKENS_LIMIT) {
            throw new IllegalArgumentException("maxTokens out of range: " + maxTokens);
        }
        if (tokensPerFill <= 0 || intervalNanos <= 0) {
            throw new IllegalArgumentException("tokensPerFill and intervalNanos must be > 0");
        }
        this.maxTokens = maxTokens;
        this.tokensPerFill = tokensPerFill;
        this.intervalNanos = intervalNanos;
        this.origin = nowNanos;
        this.tokenBits = 64 - Long.numberOfLeadingZeros(maxTokens);
        this.tokenMask = (1L << tokenBits) - 1;
        this.indexMask = -1L >>> tokenBits;
        this.state = new AtomicLong(maxTokens); // interval 0, full
    }

    /**
     * Takes one token at {@code nowNanos}: returns the tokens left after taking it, or -1 when the
     * bucket is empty (nothing is taken then).
     */
    long tryAcquire(long nowNanos) {
        long index = index(nowNanos) & indexMask;
        while (true) {
            long s = state.get();
            long tokens = refilled(s, index);
            if (tokens == 0) {
                return -1;
            }
            long stored = s >>> tokenBits;
            long newIndex = ahead(index, stored) ? index : stored;
            if (state.compareAndSet(s, (newIndex << tokenBits) | (tokens - 1))) {
                return tokens - 1;
            }
        }
    }

    /** The tokens available at {@code nowNanos}, without taking any. */
    long available(long nowNanos) {
        return refilled(state.get(), index(nowNanos) & indexMask);
    }

    /** Nanoseconds from {@code nowNanos} to the next fill (1 .. fill interval). */
    long nanosToNextFill(long nowNanos) {
        long sinceOrigin = Math.max(0, nowNanos - origin);
        return intervalNanos - sinceOrigin % intervalNanos;
    }

    long maxTokens() {
        return maxTokens;
    }

    private long index(long nowNanos) {
        return nowNanos - origin <= 0 ? 0 : (nowNanos - origin) / intervalNanos;
    }

    /** Whether interval {@code index} comes after {@code stored}, both modulo the index range. */
    private boolean ahead(long index, long stored) {
        long diff = (index - stored) & indexMask;
        return diff != 0 && diff <= (indexMask >>> 1);
    }

    /** The tokens of state {@code s} once the fills due by interval {@code index} are added. */
    private long refilled(long s, long index) {
        long tokens = s & tokenMask;
        long stored = s >>> tokenBits;
        if (tokens == maxTokens || !ahead(index, stored)) {
            return tokens;
        }
        long fills = (index - stored) & indexMask;
        long missing = maxTokens - tokens;
        // enough fills to top up: compare without multiplying (fills may be huge)
        if (fills >= (missing + tokensPerFill - 1) / tokensPerFill) {
            return maxTokens;
        }
        return tokens + fills * tokensPerFill;
    }
}
