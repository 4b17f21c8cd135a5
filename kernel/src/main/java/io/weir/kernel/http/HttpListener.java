package io.weir.kernel.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import java.util.Map;

/**
 * Installs an {@link HttpConnectionManager} on each accepted connection, for the worker whose event
 * loop the connection landed on.
 */
public final class HttpListener extends ChannelInitializer<Channel> {
    private final ListenerHandle handle;
    private final Map<EventLoop, Worker> workers;
    private final Map<EventLoop, ConnectionDrain> drains;

    public HttpListener(
            ListenerHandle handle,
            Map<EventLoop, Worker> workers,
            Map<EventLoop, ConnectionDrain> drains) {
        this.handle = handle;
        this.workers = workers;
        this.drains = drains;
    }

    @Override
    protected void initChannel(Channel ch) {
        EventLoop loop = ch.eventLoop();
        ch.pipeline()
                .addLast(new HttpConnectionManager(handle, workers.get(loop), drains.get(loop)));
    }

    @Override
    public boolean isSharable() {
        return true;
    }
}
