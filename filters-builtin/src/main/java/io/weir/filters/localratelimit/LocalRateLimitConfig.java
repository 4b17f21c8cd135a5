package io.weir.filters.localratelimit;

import io.weir.spi.ConfigNode;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The bound config of one {@code weir.local_ratelimit} block: the listener's entry or a route's
 * {@code per_filter_config} override. The values are immutable; {@link #buckets()} is the block's
 * own token bucket state, shared by every worker and created with the record, so each parsed block
 * (an override, a reload) starts with full buckets of its own.
 *
 * @param maxTokens the bucket size, 1 .. 2^32 - 1
 * @param tokensPerFill tokens added per whole {@code fillInterval} (default 1)
 * @param fillInterval at least 1ms
 * @param key one bucket per key, or null for one bucket
 * @param maxKeys at most this many keyed buckets (least recently used evicted); default 10000
 * @param rateLimitHeaders add the {@code RateLimit-Policy} and {@code RateLimit} fields
 * @param shadow count limited requests but let them pass
 */
record LocalRateLimitConfig(
        long maxTokens,
        long tokensPerFill,
        Duration fillInterval,
        RateLimitKey key,
        int maxKeys,
        boolean rateLimitHeaders,
        boolean shadow,
        Buckets buckets) {

    /** Envoy's limit: a uint32. */
    static final long MAX_TOKENS_LIMIT = 0xFFFF_FFFFL;

    static final int DEFAULT_MAX_KEYS = 10_000;

    private static final Duration MIN_INTERVAL = Duration.ofMillis(1);
    private static final Pattern TOKEN = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+");

    LocalRateLimitConfig {
        if (maxTokens <= 0 || maxTokens > MAX_TOKENS_LIMIT || tokensPerFill <= 0) {
            throw new IllegalArgumentException("invalid token bucket");
        }
        if (fillInterval == null || fillInterval.compareTo(MIN_INTERVAL) < 0 || maxKeys <= 0) {
            throw new IllegalArgumentException("invalid fill_interval or max_keys");
        }
    }

    /** A config with fresh buckets. */
    static LocalRateLimitConfig of(
            long maxTokens,
            long tokensPerFill,
            Duration fillInterval,
            RateLimitKey key,
            int maxKeys,
            boolean rateLimitHeaders,
            boolean shadow) {
        Buckets b =
                new Buckets(maxTokens, tokensPerFill, fillInterval.toNanos(), maxKeys, key != null);
        return new LocalRateLimitConfig(
                maxTokens, tokensPerFill, fillInterval, key, maxKeys, rateLimitHeaders, shadow, b);
    }

    /** Binds a block, reporting every problem through {@code n}; null after an error. */
    static LocalRateLimitConfig from(ConfigNode n) {
        if (!n.expectMap(
                "max_tokens",
                "tokens_per_fill",
                "fill_interval",
                "key",
                "max_keys",
                "rate_limit_headers",
                "shadow")) {
            return null;
        }
        boolean ok = true;
        long maxTokens = positive(n.get("max_tokens"), -1, MAX_TOKENS_LIMIT);
        long tokensPerFill = positive(n.get("tokens_per_fill"), 1, MAX_TOKENS_LIMIT);
        ConfigNode intervalNode = n.get("fill_interval");
        Duration interval = null;
        if (intervalNode.isMissing()) {
            intervalNode.error("is required");
        } else {
            interval = intervalNode.asDuration(null);
            if (interval != null && interval.compareTo(MIN_INTERVAL) < 0) {
                intervalNode.error("must be >= 1ms (was " + intervalNode.raw() + ")");
                interval = null;
            }
        }
        ConfigNode keyNode = n.get("key");
        RateLimitKey key = null;
        if (!keyNode.isMissing()) {
            String k = keyNode.asString(null);
            key = k == null ? null : RateLimitKey.parse(k);
            if (k != null && key == null) {
                keyNode.error(
                        "expected client_ip, route or header:NAME with NAME a lower-case"
                                + " header name such as header:x-user (was \""
                                + k
                                + "\")");
            }
            ok = key != null;
        }
        ConfigNode maxKeysNode = n.get("max_keys");
        long maxKeys = positive(maxKeysNode, DEFAULT_MAX_KEYS, Integer.MAX_VALUE);
        if (!maxKeysNode.isMissing() && keyNode.isMissing()) {
            maxKeysNode.error("applies only with key");
            ok = false;
        }
        boolean headers = n.get("rate_limit_headers").asBoolean(false);
        boolean shadow = n.get("shadow").asBoolean(false);
        if (!ok || maxTokens <= 0 || tokensPerFill <= 0 || interval == null || maxKeys <= 0) {
            return null;
        }
        return of(maxTokens, tokensPerFill, interval, key, (int) maxKeys, headers, shadow);
    }

    static boolean isHeaderName(String s) {
        return TOKEN.matcher(s).matches();
    }

    /**
     * A whole number > 0 and <= {@code max}; {@code def} when missing ({@code def < 0}: required).
     * Returns -1 after reporting an error.
     */
    private static long positive(ConfigNode node, long def, long max) {
        if (node.isMissing()) {
            if (def < 0) {
                node.error("is required");
            }
            return def;
        }
        long v = node.asLong(Long.MIN_VALUE, Long.MIN_VALUE + 1, max);
        if (v == Long.MIN_VALUE) {
            return -1; // reported by asLong
        }
        if (v <= 0) {
            node.error("must be > 0 (was " + v + ")");
            return -1;
        }
        return v;
    }
}
