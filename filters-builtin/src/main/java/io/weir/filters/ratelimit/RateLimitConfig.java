package io.weir.filters.ratelimit;

import io.weir.spi.ConfigNode;
import io.weir.spi.Headers;
import java.time.Duration;
import java.util.ArrayList;
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

    /** One part of the key: the client's IP, a request header's value, or the route's name. */
    record KeyPart(Kind kind, String header) {
        enum Kind {
            CLIENT_IP,
            HEADER,
            ROUTE
        }

        /** Its value for one request: "" when the header, route name or address is missing. */
        String value(Headers headers, UnaryOperator<String> property) {
            String v =
                    switch (kind) {
                        case CLIENT_IP -> withoutPort(property.apply("source.address"));
                        case ROUTE -> property.apply("route_name");
                        case HEADER -> headers.get(header);
                    };
            return v == null ? "" : v;
        }

        private static String withoutPort(String address) {
            int colon = address == null ? -1 : address.lastIndexOf(':');
            return colon < 0 ? address : address.substring(0, colon);
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

    /**
     * {@code weir:rl:<filter name>:<part>|<part>...}, with {@code \} and {@code |} in a part
     * escaped with a backslash so that two different lists of parts never make the same key.
     */
    String redisKey(String filterName, Headers headers, UnaryOperator<String> property) {
        StringBuilder sb = new StringBuilder(64).append("weir:rl:").append(filterName).append(':');
        for (int i = 0; i < key.size(); i++) {
            if (i > 0) {
                sb.append('|');
            }
            String v = key.get(i).value(headers, property);
            for (int j = 0; j < v.length(); j++) {
                char c = v.charAt(j);
                if (c == '|' || c == '\\') {
                    sb.append('\\');
                }
                sb.append(c);
            }
        }
        return sb.toString();
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
        List<KeyPart> key = keyParts(n.get("key"));
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

    private static List<KeyPart> keyParts(ConfigNode node) {
        if (node.isMissing()) {
            return List.of(new KeyPart(KeyPart.Kind.CLIENT_IP, null));
        }
        List<KeyPart> parts = new ArrayList<>(); // a null element marks an invalid part
        if (node.raw() instanceof List<?> l) {
            if (l.isEmpty()) {
                node.error("must not be empty");
            }
            for (ConfigNode e : node.list()) {
                parts.add(keyPart(e));
            }
        } else {
            parts.add(keyPart(node));
        }
        return parts;
    }

    private static KeyPart keyPart(ConfigNode node) {
        String s = node.asString(null);
        if (s == null) {
            if (node.isMissing()) {
                node.error("is required");
            }
            return null;
        }
        if (s.equals("client_ip")) {
            return new KeyPart(KeyPart.Kind.CLIENT_IP, null);
        }
        if (s.equals("route")) {
            return new KeyPart(KeyPart.Kind.ROUTE, null);
        }
        if (s.startsWith("header:")) {
            String name = s.substring("header:".length());
            if (!name.isEmpty() && name.chars().allMatch(RateLimitConfig::isTokenChar)) {
                return new KeyPart(KeyPart.Kind.HEADER, name.toLowerCase(Locale.ROOT));
            }
            node.error(
                    "expected a header name after header:, such as header:x-api-key (was \""
                            + s
                            + "\")");
            return null;
        }
        node.error("expected client_ip, route or header:NAME (was \"" + s + "\")");
        return null;
    }

    /** RFC 9110 token characters. */
    private static boolean isTokenChar(int c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
