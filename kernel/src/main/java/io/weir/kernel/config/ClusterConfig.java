package io.weir.kernel.config;

import java.time.Duration;
import java.util.List;

/**
 * One upstream cluster. YAML keys: {@code name}, {@code connect_timeout} (default 5s), {@code
 * lb_policy} ({@code round_robin} default, {@code least_request}, {@code random}), {@code
 * endpoints} (list of {@code {address: HOST:PORT}}), {@code max_connections_per_endpoint} (per
 * worker, default 1024), {@code idle_timeout} (pooled upstream connection, default 60s), {@code
 * dns_refresh_rate} (default 5s, for endpoints given by name), {@code max_pending_requests} (per
 * worker, default 1024; beyond it 503 with flag {@code UO}).
 */
public record ClusterConfig(
        String name,
        Duration connectTimeout,
        LbPolicy lbPolicy,
        List<HostPort> endpoints,
        int maxConnectionsPerEndpoint,
        Duration idleTimeout,
        Duration dnsRefreshRate,
        int maxPendingRequests) {

    /** Load-balancing policies. */
    public enum LbPolicy {
        ROUND_ROBIN,
        LEAST_REQUEST,
        RANDOM
    }
}
