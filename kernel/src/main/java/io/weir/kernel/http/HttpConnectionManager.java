package io.weir.kernel.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import io.weir.kernel.accesslog.ResponseFlag;
import io.weir.kernel.http1.Cumulation;
import io.weir.kernel.http1.HeaderMap;
import io.weir.kernel.http1.RequestHead;
import io.weir.kernel.http1.RequestParser;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/1.1 connection manager of one downstream connection (Envoy's HCM): parses requests, runs
 * one {@link ActiveStream} at a time (pipelined requests wait their turn, so responses go out in
 * order), enforces the request-header, idle and per-route timeouts with one lazily re-armed timer,
 * and applies back-pressure by pausing reads. Lives on one worker.
 */
final class HttpConnectionManager extends ChannelInboundHandlerAdapter
        implements RequestParser.Listener {
    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(HttpConnectionManager.class);

    /** Bytes of pipelined requests held while a response is in progress before reads pause. */
    private static final int PIPELINE_HOLD_BYTES = 64 * 1024;

    private static final java.util.concurrent.atomic.AtomicLong IDS =
            new java.util.concurrent.atomic.AtomicLong();

    /** The listener's config in effect for the current request (refreshed per request). */
    ListenerRuntime lr;

    private final ListenerHandle handle;
    final long id = IDS.incrementAndGet();
    int remotePort;
    String localIp = "-";
    int localPort;
    private boolean pausedForFilters;
    final Worker worker;
    final ConnectionDrain drain;
    private final RequestParser parser;
    Channel channel;
    String remoteIp;

    /** The split authority and upstream host of this connection's traced requests. */
    final Tracing.PeerCache authorityPeer = new Tracing.PeerCache();

    final Tracing.PeerCache upstreamPeer = new Tracing.PeerCache();
    private ByteBuf cumulation;
    private ActiveStream stream;
    private boolean closed;
    boolean closeAfterResponse;
    private boolean pausedForUpstream;
    private boolean pausedForPipeline;

    /** Inside {@code parser.parse(cumulation)}: the cumulation must not be released yet. */
    private boolean parsing;

    private long headerDeadline;
    private long idleSince;
    long streamDeadline;
    private ScheduledFuture<?> timer;
    private long timerAt;

    HttpConnectionManager(ListenerHandle handle, Worker worker, ConnectionDrain drain) {
        this.handle = handle;
        this.lr = handle.current();
        this.worker = worker;
        this.drain = drain;
        this.parser =
                new RequestParser(
                        lr.http.maxRequestHeadersKb() * 1024, lr.http.maxHeadersCount(), this);
    }

    int slot() {
        return worker.slot();
    }

    // ---- channel events ------------------------------------------------------------------

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        InetSocketAddress ra = (InetSocketAddress) channel.remoteAddress();
        remoteIp = ra == null ? "-" : ra.getAddress().getHostAddress();
        remotePort = ra == null ? 0 : ra.getPort();
        if (channel.localAddress() instanceof InetSocketAddress la) {
            localIp = la.getAddress().getHostAddress();
            localPort = la.getPort();
        }
        lr.stats.cxTotal.inc(slot());
        lr.stats.cxActive.add(slot(), 1);
        drain.register(this);
        idleSince = System.nanoTime();
        arm(idleSince + lr.http.idleTimeout().toNanos());
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (closed) {
            in.release();
            return;
        }
        cumulation = Cumulation.append(ctx.alloc(), cumulation, in);
        process();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (stream != null) {
            stream.onDownstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (stream != null) {
            stream.onDownstreamWritabilityChanged(ctx.channel().isWritable());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        releaseCumulation();
        cancelTimer();
        lr.stats.cxActive.add(slot(), -1);
        drain.unregister(this);
        if (stream != null) {
            lr.stats.cxDestroyRemoteActiveRq.inc(slot());
            // the stream ends through streamDone, which clears it and the active-request gauge
            stream.onDownstreamReset(ResponseFlag.DC.bit());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof java.io.IOException)) {
            LOG.warn("downstream connection failed unexpectedly, closing it", cause);
        }
        // I/O error (e.g. connection reset by peer): channelInactive does the rest
        close();
    }

    // ---- parsing ---------------------------------------------------------------------------

    /** Feeds buffered bytes to the parser unless a complete request is waiting for its response. */
    private void process() {
        while (!closed && cumulation != null && cumulation.isReadable()) {
            if (stream != null && parser.isDone()) {
                // pipelined bytes: keep them until the current response is out
                if (cumulation.readableBytes() > PIPELINE_HOLD_BYTES && !pausedForPipeline) {
                    pausedForPipeline = true;
                    updateAutoRead();
                }
                return;
            }
            if (parser.isFailed()) {
                releaseCumulation();
                return;
            }
            if (parser.isIdle() && headerDeadline == 0) {
                headerDeadline = System.nanoTime() + lr.http.requestHeadersTimeout().toNanos();
                arm(headerDeadline);
            }
            int before = cumulation.readableBytes();
            parsing = true;
            try {
                parser.parse(cumulation);
            } finally {
                parsing = false;
            }
            if (closed) {
                break; // a callback ended the connection; the rest is never read
            }
            if (cumulation.readableBytes() == before && !parser.isDone()) {
                break; // needs more bytes
            }
            if (parser.isDone() && stream != null) {
                break;
            }
        }
        if (cumulation != null && (closed || !cumulation.isReadable())) {
            releaseCumulation();
        }
    }

    /** Releases the unparsed bytes, unless the parser is reading them (process() does it then). */
    private void releaseCumulation() {
        if (cumulation != null && !parsing) {
            cumulation.release();
            cumulation = null;
        }
    }

    @Override
    public void onRequestHead(RequestHead head, long bodyLength) {
        if (closed) {
            return;
        }
        headerDeadline = 0;
        // a reload swaps the listener's runtime: each new request uses the newest one
        lr = handle.current();
        if (handle.draining()) {
            closeAfterResponse = true;
        }
        stream = new ActiveStream(this, head, bodyLength);
        lr.stats.rqTotal.inc(slot());
        lr.stats.rqActive.add(slot(), 1);
        stream.decodeHeaders();
    }

    @Override
    public void onRequestBody(ByteBuf data) {
        if (stream == null) {
            data.release();
            return;
        }
        stream.decodeData(data);
    }

    @Override
    public void onRequestComplete(HeaderMap trailers) {
        if (stream != null) {
            stream.decodeComplete(trailers);
        }
    }

    @Override
    public void onRequestError(int status, String reason) {
        if (closed) {
            return; // bytes parsed after we decided to close belong to no request
        }
        lr.stats.cxProtocolError.inc(slot());
        closeAfterResponse = true;
        if (status == 0) {
            return; // the client closed mid-request; channelInactive follows
        }
        if (stream == null) {
            stream = ActiveStream.forProtocolError(this);
            lr.stats.rqTotal.inc(slot());
            lr.stats.rqActive.add(slot(), 1);
        }
        stream.onDownstreamProtocolError(status, reason);
    }

    // ---- called by the stream --------------------------------------------------------------

    /** The stream is finished (response written or abandoned). */
    void streamDone(ActiveStream s) {
        if (stream != s) {
            return;
        }
        stream = null;
        streamDeadline = 0;
        lr.stats.rqActive.add(slot(), -1);
        // an idle connection must not pin a replaced config (and its plugins' class loaders)
        lr = handle.current();
        if (closed) {
            return;
        }
        if (closeAfterResponse || !parser.isDone() || drain.draining()) {
            // the rest of this request was never read, or we said "connection: close"
            channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
                    .addListener(ChannelFutureListener.CLOSE);
            closed = true;
            releaseCumulation();
            return;
        }
        parser.reset();
        idleSince = s.finishNanos; // an idle timer needs no fresher reading than the finish
        // the timer may be set to a later deadline armed for this request (route, headers)
        arm(idleSince + lr.http.idleTimeout().toNanos());
        if (pausedForPipeline || pausedForUpstream || pausedForFilters) {
            pausedForPipeline = false;
            pausedForUpstream = false;
            pausedForFilters = false;
            updateAutoRead();
        }
        if (!parsing) {
            process();
        } else if (cumulation != null && cumulation.isReadable()) {
            // a local reply from inside the parser: the running parse() goes on with the next
            // request (never re-entrantly), which gets its header deadline here
            headerDeadline = System.nanoTime() + lr.http.requestHeadersTimeout().toNanos();
            arm(headerDeadline);
        }
    }

    /** Back-pressure from the upstream side: stop or resume reading this client. */
    void pauseReading(boolean pause) {
        if (pausedForUpstream != pause) {
            pausedForUpstream = pause;
            updateAutoRead();
        }
    }

    /** Filters hold more request body than the buffer limit: stop reading until they pass it. */
    void pauseReadingForFilters(boolean pause) {
        if (pausedForFilters != pause) {
            pausedForFilters = pause;
            updateAutoRead();
        }
    }

    private void updateAutoRead() {
        channel.config().setAutoRead(!pausedForUpstream && !pausedForPipeline && !pausedForFilters);
    }

    boolean isClosed() {
        return closed;
    }

    /** Closes now (a reset, from the client's point of view, if a response is in progress). */
    void close() {
        if (!closed) {
            closed = true;
            releaseCumulation();
            channel.close();
        }
    }

    /** Drain: close if idle, else close after the current response. */
    void drainNow() {
        closeAfterResponse = true;
        if (stream == null && parser.isIdle()) {
            close();
        }
    }

    void armStreamTimeout(long deadline) {
        streamDeadline = deadline;
        arm(deadline);
    }

    // ---- one timer for header, idle and route deadlines -------------------------------------

    private void arm(long deadline) {
        if (closed) {
            return;
        }
        if (timer != null && timerAt <= deadline) {
            return;
        }
        cancelTimer();
        timerAt = deadline;
        long delay = Math.max(0, deadline - System.nanoTime());
        timer = worker.dispatcher().schedule(this::onTimer, delay, TimeUnit.NANOSECONDS);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void onTimer() {
        timer = null;
        if (closed) {
            return;
        }
        long now = System.nanoTime();
        if (stream != null && streamDeadline != 0 && now >= streamDeadline) {
            streamDeadline = 0;
            stream.onRouteTimeout();
        }
        if (closed) {
            return;
        }
        if (stream == null && headerDeadline != 0 && now >= headerDeadline) {
            headerDeadline = 0;
            lr.stats.rqTimeout.inc(slot());
            onRequestError(408, "request headers not received in time");
            return;
        }
        long idleDeadline = idleSince + lr.http.idleTimeout().toNanos();
        if (stream == null && parser.isIdle() && headerDeadline == 0 && now >= idleDeadline) {
            lr.stats.cxIdleTimeout.inc(slot());
            close();
            return;
        }
        long next = Long.MAX_VALUE;
        if (stream == null) {
            next = headerDeadline != 0 ? headerDeadline : idleDeadline;
        } else if (streamDeadline != 0) {
            next = streamDeadline;
        } else {
            // a stream without a deadline: look again after an idle period
            next = now + lr.http.idleTimeout().toNanos();
        }
        arm(next);
    }
}
