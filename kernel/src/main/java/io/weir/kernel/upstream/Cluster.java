package io.weir.kernel.upstream;

import io.weir.kernel.config.ClusterConfig;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * A cluster as all workers share it: its config, stats and current host set. The host set is
 * immutable and swapped whole when DNS answers change; workers notice the new reference on their
 * next pick.
 */
public final class Cluster {
    public final ClusterConfig config;
    public final ClusterStats stats;
    private volatile List<InetSocketAddress> hosts = List.of();
    private volatile boolean initialized;

    Cluster(ClusterConfig config, ClusterStats stats) {
        this.config = config;
        this.stats = stats;
    }

    public String name() {
        return config.name();
    }

    /** The current hosts (resolved addresses); empty means no healthy upstream. */
    public List<InetSocketAddress> hosts() {
        return hosts;
    }

    void setHosts(List<InetSocketAddress> h) {
        hosts = List.copyOf(h);
    }

    void markInitialized() {
        initialized = true;
    }

    /** Whether every endpoint has been resolved (or failed) at least once. */
    public boolean initialized() {
        return initialized;
    }
}
