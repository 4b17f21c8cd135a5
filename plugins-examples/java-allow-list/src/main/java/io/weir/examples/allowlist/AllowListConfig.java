package io.weir.examples.allowlist;

import io.weir.spi.ConfigNode;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The config of {@code example.allow_list}.
 *
 * @param cluster the cluster of the allow-list service (required)
 * @param pathPrefix the call-out path before the user, starting with {@code /}
 * @param header the request header naming the user: a lower-case token
 * @param cacheTtl how long an answer is cached in shared data; zero asks every time
 * @param timeout how long to wait for the service, more than zero
 * @param failureModeAllow whether a request passes when the service fails or times out
 */
public record AllowListConfig(
        String cluster,
        String pathPrefix,
        String header,
        Duration cacheTtl,
        Duration timeout,
        boolean failureModeAllow) {
    static final String DEFAULT_PATH_PREFIX = "/allow/";
    static final String DEFAULT_HEADER = "x-api-user";
    static final Duration DEFAULT_CACHE_TTL = Duration.ofSeconds(30);
    static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(200);

    private static final Pattern TOKEN = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+");

    public AllowListConfig {
        if (cluster == null
                || pathPrefix == null
                || !pathPrefix.startsWith("/")
                || header == null
                || !TOKEN.matcher(header).matches()
                || cacheTtl.isNegative()
                || timeout.isNegative()
                || timeout.isZero()) {
            throw new IllegalArgumentException("invalid allow-list config");
        }
    }

    /**
     * Binds the {@code config:} block, reporting every problem through {@code node}; null when
     * there was one.
     */
    static AllowListConfig from(ConfigNode node) {
        if (!node.expectMap(
                "cluster", "path_prefix", "header", "cache_ttl", "timeout", "failure_mode_allow")) {
            return null;
        }
        boolean ok = true;
        String cluster = node.get("cluster").requireString();
        ok &= cluster != null;

        ConfigNode prefixNode = node.get("path_prefix");
        String prefix = prefixNode.asString(DEFAULT_PATH_PREFIX);
        if (!prefix.startsWith("/")) {
            prefixNode.error("must start with / (was \"" + prefix + "\")");
            ok = false;
        }

        ConfigNode headerNode = node.get("header");
        String header = headerNode.asString(DEFAULT_HEADER);
        if (!TOKEN.matcher(header).matches()) {
            headerNode.error(
                    "must be a lower-case header name such as x-api-user (was \"" + header + "\")");
            ok = false;
        }

        Duration ttl = node.get("cache_ttl").asDuration(DEFAULT_CACHE_TTL);

        ConfigNode timeoutNode = node.get("timeout");
        Duration timeout = timeoutNode.asDuration(DEFAULT_TIMEOUT);
        if (timeout.isZero()) {
            timeoutNode.error("must be > 0 (was " + timeoutNode.raw() + ")");
            ok = false;
        }

        boolean failureModeAllow = node.get("failure_mode_allow").asBoolean(false);
        return ok
                ? new AllowListConfig(cluster, prefix, header, ttl, timeout, failureModeAllow)
                : null;
    }
}
