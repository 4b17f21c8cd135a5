package io.weir.kernel.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP/1.1 server. See {@code docs/admin.md} for the endpoints.
 *
 * <p>Runs on {@code group}, which it does not own (closing the server leaves the group running).
 * {@link #start} and {@link #close} are called from outside the group (main thread); {@link #close}
 * called from inside it does not wait.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    /** Largest request (headers and body) the admin accepts. */
    public static final int MAX_REQUEST_BYTES = 64 * 1024;

    private static final long CLOSE_TIMEOUT_SECONDS = 5;

    private final AdminContext ctx;
    private final EventLoopGroup group;
    private final Class<? extends ServerChannel> channelClass;
    private final InetSocketAddress bind;
    private final ChannelGroup connections =
            new DefaultChannelGroup("weir-admin", GlobalEventExecutor.INSTANCE);
    private volatile Channel serverChannel;

    public AdminServer(
            AdminContext ctx,
            EventLoopGroup group,
            Class<? extends ServerChannel> channelClass,
            InetSocketAddress bind) {
        if (ctx == null || group == null || channelClass == null || bind == null) {
            throw new IllegalArgumentException("ctx, group, channelClass and bind are required");
        }
        this.ctx = ctx;
        this.group = group;
        this.channelClass = channelClass;
        this.bind = bind;
    }

    /** Binds and returns the bound address (port 0 picks a free port). */
    public synchronized InetSocketAddress start() throws Exception {
        if (serverChannel != null) {
            throw new IllegalStateException("admin already started");
        }
        AdminHandler handler = new AdminHandler(ctx);
        ServerBootstrap b =
                new ServerBootstrap()
                        .group(group)
                        .channel(channelClass)
                        .childHandler(
                                new ChannelInitializer<Channel>() {
                                    @Override
                                    protected void initChannel(Channel ch) {
                                        connections.add(ch);
                                        ch.pipeline()
                                                .addLast(
                                                        new HttpServerCodec(),
                                                        new HttpObjectAggregator(MAX_REQUEST_BYTES),
                                                        handler);
                                    }
                                });
        Channel ch = b.bind(bind).sync().channel();
        serverChannel = ch;
        InetSocketAddress bound = (InetSocketAddress) ch.localAddress();
        log.info("admin listening address={}", bound);
        return bound;
    }

    /** Closes the listening socket and every admin connection. Idempotent. */
    @Override
    public synchronized void close() {
        Channel ch = serverChannel;
        serverChannel = null;
        if (ch == null) {
            return;
        }
        boolean wait = !inGroup();
        var closing = ch.close();
        var closingConnections = connections.close();
        if (wait) {
            closing.awaitUninterruptibly(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            closingConnections.awaitUninterruptibly(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        log.info("admin closed");
    }

    private boolean inGroup() {
        for (EventExecutor e : group) {
            if (e.inEventLoop()) {
                return true;
            }
        }
        return false;
    }
}
