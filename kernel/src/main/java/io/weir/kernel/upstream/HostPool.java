package io.weir.kernel.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ConnectTimeoutException;
import io.weir.kernel.dispatch.Dispatcher;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One worker's connections to one upstream host: idle keep-alive connections (most recently used
 * first), a cap on open connections, and the requests waiting for one. Worker thread only.
 */
final class HostPool {
    private final ClusterWorker owner;
    final InetSocketAddress address;
    private final String addressText;
    private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    private int open; // connected or connecting
    private int connecting;
    int activeRequests;
    boolean removed;
    private boolean sweepScheduled;

    HostPool(ClusterWorker owner, InetSocketAddress address) {
        this.owner = owner;
        this.address = address;
        this.addressText =
                address.getAddress() != null
                        ? address.getAddress().getHostAddress() + ":" + address.getPort()
                        : address.getHostString() + ":" + address.getPort();
    }

    /** A request waiting for a connection; cancel it if the stream goes away first. */
    static final class Waiter implements ClusterWorker.Handle {
        final UpstreamStream stream;
        final HostPool pool;
        boolean done;

        Waiter(UpstreamStream stream, HostPool pool) {
            this.stream = stream;
            this.pool = pool;
        }

        @Override
        public void cancel() {
            if (!done) {
                done = true;
                pool.activeRequests--;
                // out of the queue now, or it would count against max_pending_requests until a
                // connection frees up
                pool.waiting.remove(this);
            }
        }
    }

    String addressText() {
        return addressText;
    }

    ClusterStats stats() {
        return owner.cluster.stats;
    }

    int slot() {
        return owner.dispatcher.id();
    }

    Dispatcher dispatcher() {
        return owner.dispatcher;
    }

    ClusterWorker.Handle acquire(UpstreamStream stream) {
        Waiter w = new Waiter(stream, this);
        activeRequests++;
        UpstreamConnection c;
        while ((c = idle.pollFirst()) != null) {
            if (c.isUsable()) {
                hand(w, c);
                return w;
            }
        }
        if (open < owner.cluster.config.maxConnectionsPerEndpoint()) {
            waiting.addLast(w);
            connect();
            return w;
        }
        if (waiting.size() >= owner.cluster.config.maxPendingRequests()) {
            activeRequests--;
            w.done = true;
            stats().rqPendingOverflow.inc(slot());
            stream.onPoolFailure(UpstreamStream.PoolFailure.OVERFLOW, "upstream overflow");
            return null;
        }
        waiting.addLast(w);
        return w;
    }

    private void hand(Waiter w, UpstreamConnection c) {
        w.done = true;
        c.attach(w.stream);
        w.stream.onPoolReady(c);
    }

    /** The stream is finished with its request (whatever happened): one fewer active request. */
    void requestDone() {
        activeRequests--;
    }

    private void connect() {
        open++;
        connecting++;
        UpstreamConnection conn = new UpstreamConnection(this);
        Bootstrap b = owner.bootstrap.clone().handler(conn);
        stats().cxTotal.inc(slot());
        ChannelFuture f = b.connect(address);
        conn.setChannel(f.channel());
        f.addListener(
                (ChannelFuture cf) -> {
                    connecting--;
                    if (cf.isSuccess()) {
                        stats().cxActive.add(slot(), 1);
                        serveNext(conn);
                    } else {
                        boolean timeout = cf.cause() instanceof ConnectTimeoutException;
                        (timeout ? stats().cxConnectTimeout : stats().cxConnectFail).inc(slot());
                        open--;
                        failOneWaiter(
                                timeout
                                        ? UpstreamStream.PoolFailure.CONNECT_TIMEOUT
                                        : UpstreamStream.PoolFailure.CONNECT_FAILURE,
                                String.valueOf(cf.cause().getMessage()));
                    }
                });
    }

    /**
     * A connect failed: fail the waiters that no connection still being opened will serve (Envoy
     * fails pending requests with the connection that was opened for them).
     */
    private void failOneWaiter(UpstreamStream.PoolFailure why, String detail) {
        int live = 0;
        for (Waiter w : waiting) {
            if (!w.done) {
                live++;
            }
        }
        Waiter w;
        while (live > connecting && (w = waiting.pollFirst()) != null) {
            if (!w.done) {
                w.done = true;
                activeRequests--;
                live--;
                w.stream.onPoolFailure(why, detail);
            }
        }
    }

    /** Gives a ready connection to the next live waiter, or parks it idle. */
    private void serveNext(UpstreamConnection c) {
        Waiter w;
        while ((w = waiting.pollFirst()) != null) {
            if (!w.done) {
                hand(w, c);
                return;
            }
        }
        if (removed) {
            c.close();
            return;
        }
        c.idleSinceNanos = System.nanoTime();
        idle.addFirst(c);
        scheduleSweep();
    }

    void release(UpstreamConnection c) {
        serveNext(c);
    }

    void onClosed(UpstreamConnection c) {
        idle.remove(c);
        open--;
        stats().cxActive.add(slot(), -1);
        // a waiter whose connection never came: open another if allowed
        if (!waiting.isEmpty() && !removed) {
            boolean live = false;
            for (Waiter w : waiting) {
                if (!w.done) {
                    live = true;
                    break;
                }
            }
            if (live && open < owner.cluster.config.maxConnectionsPerEndpoint()) {
                connect();
            }
        }
    }

    /** The host left the cluster: close idle connections; busy ones close when done. */
    void drain() {
        removed = true;
        UpstreamConnection c;
        while ((c = idle.pollFirst()) != null) {
            c.close();
        }
    }

    private void scheduleSweep() {
        if (sweepScheduled) {
            return;
        }
        sweepScheduled = true;
        long ms = owner.cluster.config.idleTimeout().toMillis();
        owner.dispatcher.schedule(this::sweep, ms, TimeUnit.MILLISECONDS);
    }

    /** Closes connections idle for longer than the cluster's idle_timeout. */
    private void sweep() {
        sweepScheduled = false;
        long limit = owner.cluster.config.idleTimeout().toNanos();
        long now = System.nanoTime();
        // idle is most-recent-first: the oldest are at the tail
        UpstreamConnection c;
        while ((c = idle.peekLast()) != null && now - c.idleSinceNanos >= limit) {
            idle.pollLast();
            c.close();
        }
        if (!idle.isEmpty()) {
            scheduleSweep();
        }
    }
}
