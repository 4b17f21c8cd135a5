package io.weir.filters.ratelimit;

import io.weir.spi.ConfigNode;
import io.weir.spi.Headers;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The bound config of one {@code weir.ratelimit} entry (or route override). Immutable; its {@code
 * toString} never shows the Redis password.
 *
 * @param redis where the counters are
 * @param timeout how long a decision may wait for Redis before the failure mode applies
 * @param requests how many requests {@link #per} a key may make
 * @param per the window, at least one second
 * @param key the parts of the counter's key, joined with {@code |}
 * @param algorithm fixed or sliding window
 * @param failureModeDeny when Redis cannot decide: false = allow, true = answer 500
 */
record RateLimitConfig(
        RedisTarget redis,
        Duration timeout,
        long requests,
        Duration per,
        List<KeyPart> key,
        Algorithm algorithm,
        boolean failureModeDeny) {

    static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(50);

    enum Algorithm {
        FIXED_WINDOW(Script.FIXED_WINDOW),
        SLIDING_WINDOW(Script.SLIDING_WINDOW);

        final Script script;

        Algorithm(Script script) {
            this.script = script;
        }
    }

    RateLimitConfig {
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(algorithm, "algorithm");
        key = List.copyOf(key);
        if (key.isEmpty()) {
            throw new IllegalArgumentException("no key parts");
        }
        if (timeout.isNegative() || timeout.isZero() || requests < 1 || per.toMillis() < 1000) {
            throw new IllegalArgumentException("invalid rate limit " + requests + "/" + per);
        }
    }

    /** The Redis key of one request: see {@link KeyPart#redisKey}. */
    String redisKey(String filterName, Headers headers, UnaryOperator<String> property) {
        return KeyPart.redisKey(filterName, key, headers, property);
    }

    static RateLimitConfig from(ConfigNode n) {
        if (!n.expectMap("redis", "limit", "key", "algorithm", "failure_mode_deny")) {
            return null;
        }
        ConfigNode redisNode = n.get("redis");
        RedisTarget target = null;
        Duration timeout = DEFAULT_TIMEOUT;
        if (redisNode.isMissing()) {
            redisNode.get("address").error("is required");
        } else if (redisNode.expectMap("address", "timeout", "password")) {
            ConfigNode addressNode = redisNode.get("address");
            String address = addressNode.requireString();
            String password = redisNode.get("password").asString(null);
            if (address != null) {
                target = RedisTarget.parse(address, password, addressNode::error);
            }
            ConfigNode timeoutNode = redisNode.get("timeout");
            timeout = timeoutNode.asDuration(DEFAULT_TIMEOUT);
            if (timeout.isZero() || timeout.isNegative()) {
                timeoutNode.error("must be > 0 (was " + timeoutNode.raw() + ")");
            }
        }
        ConfigNode limitNode = n.get("limit");
        long requests = 0;
        Duration per = null;
        if (limitNode.isMissing()) {
            limitNode.error("is required");
        } else if (limitNode.expectMap("requests", "per")) {
            ConfigNode requestsNode = limitNode.get("requests");
            if (requestsNode.isMissing()) {
                requestsNode.error("is required");
            } else {
                requests = requestsNode.asLong(0, Long.MIN_VALUE, Long.MAX_VALUE);
                if (requests < 1
                        && (requestsNode.raw() instanceof Integer
                                || requestsNode.raw() instanceof Long)) {
                    requestsNode.error("must be > 0 (was " + requests + ")");
                }
            }
            ConfigNode perNode = limitNode.get("per");
            if (perNode.isMissing()) {
                perNode.error("is required");
            } else {
                per = perNode.asDuration(null);
                if (per != null && per.toMillis() < 1000) {
                    perNode.error("must be >= 1s (was " + perNode.raw() + ")");
                }
            }
        }
        List<KeyPart> key = KeyPart.parse(n.get("key"));
        String algorithm =
                n.get("algorithm").asEnum("sliding_window", "fixed_window", "sliding_window");
        boolean deny = n.get("failure_mode_deny").asBoolean(false);
        // what the node reported makes Weir discard the result; build it only when it can be built
        if (target == null
                || timeout.isZero()
                || timeout.isNegative()
                || requests < 1
                || per == null
                || per.toMillis() < 1000
                || key.isEmpty()
                || key.stream().anyMatch(Objects::isNull)) {
            return null;
        }
        return new RateLimitConfig(
                target,
                timeout,
                requests,
                per,
                key,
                Algorithm.valueOf(algorithm.toUpperCase(Locale.ROOT)),
                deny);
    }
}
