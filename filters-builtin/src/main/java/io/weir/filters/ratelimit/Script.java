package io.weir.filters.ratelimit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A Lua script run with {@code EVALSHA} by its SHA-1, and the two rate-limit algorithms. Both take
 * {@code KEYS[1]} = the counter's key, {@code ARGV[1]} = the limit, {@code ARGV[2]} = the window in
 * milliseconds, read the clock with Redis {@code TIME} (one clock for every Weir process: allowed
 * in scripts since Redis 5 replicates script effects, not scripts), and return {@code {allowed
 * (1|0), remaining, ms}}: with {@code ms} the time until the window resets (fixed) or until the
 * oldest counted request leaves it (sliding); when limited, the time until a request would be
 * allowed.
 */
record Script(String name, String source, String sha1) {
    static Script of(String name, String source) {
        try {
            byte[] d =
                    MessageDigest.getInstance("SHA-1")
                            .digest(source.getBytes(StandardCharsets.UTF_8));
            return new Script(name, source, HexFormat.of().formatHex(d));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-1", e);
        }
    }

    /**
     * One counter per window {@code floor(now / per)}, in the key {@code KEYS[1]:<window>}: INCR,
     * and PEXPIRE on the first. Up to twice the limit can pass around a window's edge.
     */
    static final Script FIXED_WINDOW =
            of(
                    "fixed_window",
                    """
                    local limit = tonumber(ARGV[1])
                    local per = tonumber(ARGV[2])
                    local t = redis.call('TIME')
                    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
                    local window = math.floor(now / per)
                    local key = KEYS[1] .. ':' .. string.format('%d', window)
                    local n = redis.call('INCR', key)
                    if n == 1 then
                      redis.call('PEXPIRE', key, per)
                    end
                    local reset = (window + 1) * per - now
                    if n <= limit then
                      return {1, limit - n, reset}
                    end
                    return {0, 0, reset}
                    """);

    /**
     * Exact: a sorted set of the allowed requests of the last {@code per} (scores in microseconds
     * of Redis time, members unique per request: {@code ARGV[3]}). Entries older than {@code now -
     * per} are dropped; a request is allowed, and added, while fewer than the limit remain.
     */
    static final Script SLIDING_WINDOW =
            of(
                    "sliding_window",
                    """
                    local limit = tonumber(ARGV[1])
                    local per = tonumber(ARGV[2]) * 1000
                    local t = redis.call('TIME')
                    local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
                    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - per)
                    local n = redis.call('ZCARD', KEYS[1])
                    if n < limit then
                      redis.call('ZADD', KEYS[1], now, ARGV[3])
                      redis.call('PEXPIRE', KEYS[1], ARGV[2])
                      local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
                      return {1, limit - n - 1, math.ceil((tonumber(oldest[2]) + per - now) / 1000)}
                    end
                    local e = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
                    return {0, 0, math.ceil((tonumber(e[2]) + per - now) / 1000)}
                    """);

    /** Pipelined after each connect so that the first decisions need no {@code SCRIPT LOAD}. */
    static final java.util.List<Script> ALL = java.util.List.of(FIXED_WINDOW, SLIDING_WINDOW);

    @Override
    public String toString() {
        return name + "@" + sha1;
    }
}
