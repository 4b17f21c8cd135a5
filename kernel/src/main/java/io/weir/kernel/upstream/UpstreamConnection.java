package io.weir.kernel.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.weir.kernel.http1.Cumulation;
import io.weir.kernel.http1.HeaderMap;
import io.weir.kernel.http1.Http1Parser;
import io.weir.kernel.http1.ResponseHead;
import io.weir.kernel.http1.ResponseParser;

/**
 * One HTTP/1.1 connection to an upstream host, pooled per worker. It serves one request at a time:
 * the {@link UpstreamStream} attached to it gets the parsed response; when the response is complete
 * and both sides allow keep-alive, the connection goes back to its {@link HostPool}. Everything
 * runs on the owning worker.
 */
public final class UpstreamConnection extends ChannelInboundHandlerAdapter
        implements ResponseParser.Listener {
    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(UpstreamConnection.class);

    private static final int MAX_RESPONSE_HEADERS = 96 * 1024;

    private final HostPool pool;
    private final ResponseParser parser = new ResponseParser(MAX_RESPONSE_HEADERS, 200, this);
    private Channel channel;
    private ByteBuf cumulation;
    private UpstreamStream active;
    private UpstreamStream readStream;
    private boolean keepAlive;
    private boolean requestComplete;
    private boolean anyResponseBytes;
    private boolean closed;
    private int served;
    long idleSinceNanos;

    UpstreamConnection(HostPool pool) {
        this.pool = pool;
    }

    void setChannel(Channel ch) {
        this.channel = ch;
    }

    public Channel channel() {
        return channel;
    }

    /** How many requests this connection served before the current one (0 = fresh). */
    public int served() {
        return served;
    }

    public String hostAddress() {
        return pool.addressText();
    }

    boolean isUsable() {
        return !closed && channel.isActive();
    }

    void attach(UpstreamStream stream) {
        this.active = stream;
        this.keepAlive = true;
        this.requestComplete = false;
        this.anyResponseBytes = false;
        parser.reset();
        if (!channel.config().isAutoRead()) {
            channel.config().setAutoRead(true);
        }
    }

    /** Called by the stream before it writes a request: a HEAD response has no body. */
    public void expectResponseTo(boolean headRequest) {
        parser.expectResponseTo(headRequest);
    }

    /** The whole request has been written (so the connection may be reused after the response). */
    public void requestComplete() {
        requestComplete = true;
    }

    /** Writes without flushing; takes ownership of {@code data}. */
    public void write(ByteBuf data) {
        channel.write(data, channel.voidPromise());
    }

    public void flush() {
        channel.flush();
    }

    public boolean isWritable() {
        return channel.isWritable();
    }

    public void setAutoRead(boolean on) {
        channel.config().setAutoRead(on);
    }

    /** Detaches the stream and closes: the stream gave up on this request (reset, timeout). */
    public void abort() {
        detach();
        close();
    }

    /** Forgets the current stream; returns it (or null). */
    private UpstreamStream detach() {
        UpstreamStream s = active;
        if (s != null) {
            active = null;
            pool.requestDone();
        }
        return s;
    }

    void close() {
        if (!closed) {
            closed = true;
            channel.close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (active == null) {
            // bytes while idle: the upstream is confused; never reuse this connection
            in.release();
            pool.stats().protocolError.inc(pool.slot());
            close();
            return;
        }
        anyResponseBytes = true;
        readStream = active;
        cumulation = Cumulation.append(ctx.alloc(), cumulation, in);
        try {
            parser.parse(cumulation);
        } finally {
            if (cumulation != null && !cumulation.isReadable()) {
                cumulation.release();
                cumulation = null;
            }
        }
        if (parser.isDone() || parser.isFailed()) {
            if (cumulation != null) {
                // unsolicited bytes after the response: do not reuse
                keepAlive = false;
                cumulation.release();
                cumulation = null;
                if (active == null && !closed) {
                    close();
                }
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        UpstreamStream s = readStream;
        if (s != null) {
            readStream = null;
            s.onUpstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (active != null) {
            active.onUpstreamWritabilityChanged(ctx.channel().isWritable());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
        pool.onClosed(this);
        if (active != null) {
            parser.connectionClosed();
            UpstreamStream s = detach();
            if (s != null && !parser.isDone()) {
                pool.stats().cxDestroyRemote.inc(pool.slot());
                s.onUpstreamReset("connection termination", false, anyResponseBytes);
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof java.io.IOException)) {
            LOG.warn("upstream connection failed unexpectedly, closing it", cause);
        }
        // I/O errors (reset by peer) end in channelInactive, where the stream is told
        close();
    }

    @Override
    public void onResponseHead(ResponseHead head, Http1Parser.Framing framing, long contentLength) {
        if (framing == Http1Parser.Framing.UNTIL_CLOSE
                || connectionHas(head.headers, "close")
                || parser.isHttp10() && !connectionHas(head.headers, "keep-alive")) {
            keepAlive = false;
        }
        active.onResponseHead(head, framing, contentLength);
    }

    /** Whether a {@code connection} field lists {@code token} (a comma-separated token list). */
    private static boolean connectionHas(HeaderMap h, String token) {
        for (String v : h.getAll("connection")) {
            for (String t : v.split(",")) {
                if (t.trim().equalsIgnoreCase(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void onResponseBody(ByteBuf data) {
        if (active == null) {
            data.release();
            return;
        }
        active.onResponseBody(data);
    }

    @Override
    public void onResponseComplete(HeaderMap trailers) {
        UpstreamStream s = detach();
        served++;
        // called while the cumulation is being parsed: bytes left in it follow the response
        boolean unsolicited = cumulation != null && cumulation.isReadable();
        // back to the pool before the stream finishes, so that its next (pipelined) request
        // can have this connection instead of opening another
        if (keepAlive && requestComplete && !closed && !unsolicited) {
            pool.release(this);
        } else {
            close();
        }
        if (s != null) {
            s.onResponseComplete(trailers);
        }
    }

    @Override
    public void onResponseError(int status, String reason) {
        UpstreamStream s = detach();
        if (status != 0) {
            pool.stats().protocolError.inc(pool.slot());
        } else if (s != null) {
            // status 0: the upstream closed mid-response (channelInactive no longer sees a stream)
            pool.stats().cxDestroyRemote.inc(pool.slot());
        }
        close();
        if (s != null) {
            s.onUpstreamReset(reason, status != 0, anyResponseBytes);
        }
    }
}
