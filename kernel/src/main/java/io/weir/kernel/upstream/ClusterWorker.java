package io.weir.kernel.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.weir.kernel.config.ClusterConfig;
import io.weir.kernel.dispatch.Dispatcher;
import io.weir.kernel.dispatch.Transport;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One worker's view of a cluster: a {@link HostPool} per host and the load balancer's state. Worker
 * thread only. When the shared host set changes (DNS), pools of hosts that stay are kept.
 */
public final class ClusterWorker {
    /** A pending connection request; cancel it when the stream goes away. */
    public interface Handle {
        void cancel();
    }

    final Cluster cluster;
    final Dispatcher dispatcher;
    final Bootstrap bootstrap;
    private List<InetSocketAddress> seen;
    private HostPool[] pools = new HostPool[0];
    private int rr;

    public ClusterWorker(
            Cluster cluster, Dispatcher dispatcher, Transport transport, int bufferLimitBytes) {
        this.cluster = cluster;
        this.dispatcher = dispatcher;
        int high = Math.max(bufferLimitBytes, 2);
        this.bootstrap =
                new Bootstrap()
                        .group(dispatcher.eventLoop())
                        .channel(transport.socketChannel())
                        .option(ChannelOption.TCP_NODELAY, true)
                        .option(ChannelOption.SO_KEEPALIVE, true)
                        .option(
                                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                                (int)
                                        Math.min(
                                                Integer.MAX_VALUE,
                                                cluster.config.connectTimeout().toMillis()))
                        .option(
                                ChannelOption.WRITE_BUFFER_WATER_MARK,
                                new WriteBufferWaterMark(high / 2, high));
    }

    public Cluster cluster() {
        return cluster;
    }

    /**
     * Asks for a connection for {@code stream}: it gets {@link UpstreamStream#onPoolReady} or
     * {@link UpstreamStream#onPoolFailure}, maybe before this returns. Returns a handle to cancel
     * the wait, or null if the outcome was already delivered.
     */
    public Handle newStream(UpstreamStream stream) {
        HostPool p = pick();
        if (p == null) {
            stream.onPoolFailure(UpstreamStream.PoolFailure.NO_HEALTHY_HOST, "no healthy upstream");
            return null;
        }
        return p.acquire(stream);
    }

    private HostPool pick() {
        refresh();
        HostPool[] ps = pools;
        int n = ps.length;
        if (n == 0) {
            return null;
        }
        if (n == 1) {
            return ps[0];
        }
        ClusterConfig.LbPolicy policy = cluster.config.lbPolicy();
        switch (policy) {
            case RANDOM:
                return ps[ThreadLocalRandom.current().nextInt(n)];
            case LEAST_REQUEST:
                {
                    // power of two choices (Envoy's default choice_count 2)
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    HostPool a = ps[r.nextInt(n)];
                    HostPool b = ps[r.nextInt(n)];
                    return b.activeRequests < a.activeRequests ? b : a;
                }
            case ROUND_ROBIN:
            default:
                {
                    int i = rr++;
                    if (rr >= n) {
                        rr = 0;
                    }
                    return ps[i % n];
                }
        }
    }

    private void refresh() {
        List<InetSocketAddress> hosts = cluster.hosts();
        if (hosts == seen) {
            return;
        }
        Map<InetSocketAddress, HostPool> old = new HashMap<>();
        for (HostPool p : pools) {
            old.put(p.address, p);
        }
        HostPool[] next = new HostPool[hosts.size()];
        for (int i = 0; i < next.length; i++) {
            HostPool p = old.remove(hosts.get(i));
            next[i] = p != null ? p : new HostPool(this, hosts.get(i));
        }
        for (HostPool gone : old.values()) {
            gone.drain();
        }
        pools = next;
        seen = hosts;
        if (rr >= next.length) {
            rr = 0;
        }
    }

    /** For {@code /clusters}: per host, open and active counts (worker thread). */
    void describe(StringBuilder sb) {
        for (HostPool p : pools) {
            sb.append(cluster.name())
                    .append("::")
                    .append(p.addressText())
                    .append("::rq_active::")
                    .append(p.activeRequests)
                    .append('\n');
        }
    }
}
