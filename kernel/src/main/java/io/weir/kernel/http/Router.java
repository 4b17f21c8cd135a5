package io.weir.kernel.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.weir.kernel.accesslog.ResponseFlag;
import io.weir.kernel.config.Route;
import io.weir.kernel.http1.HeaderMap;
import io.weir.kernel.http1.Http1Parser;
import io.weir.kernel.http1.Http1Writer;
import io.weir.kernel.http1.ResponseHead;
import io.weir.kernel.upstream.ClusterStats;
import io.weir.kernel.upstream.ClusterWorker;
import io.weir.kernel.upstream.UpstreamConnection;
import io.weir.kernel.upstream.UpstreamStream;
import io.weir.spi.tracing.TraceSpan;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The router filter of one stream, always the last of the chain: it picks the cluster, gets a
 * pooled upstream connection, sends the request with Weir's own serialisation and streams the
 * response back, with back-pressure both ways. Worker thread only.
 */
final class Router implements UpstreamStream {
    private final ActiveStream s;
    private final Route.Forward action;
    private ClusterWorker cluster;
    private ClusterStats cstats;
    private ClusterWorker.Handle waiting;
    private UpstreamConnection conn;
    private ArrayDeque<ByteBuf> pendingBody;
    private int pendingBytes;
    private HeaderMap pendingTrailers;
    private boolean requestEnded;
    private boolean finished;
    private boolean retried;
    private boolean upstreamReadingPaused;
    private long upstreamStartNanos;
    private long responseEndNanos; // when the upstream response ended (recordServiceTime)

    /**
     * The reading that ended the filters' response headers pass, while the upstream read that
     * brought the response head is still being handled; else {@link ActiveStream#NO_HANDOFF}.
     */
    private long headReadNanos = ActiveStream.NO_HANDOFF;

    private long serviceTimeMs = -1;
    private String upstreamHost;
    private TraceSpan span; // the CLIENT span of the current attempt, when traced

    Router(ActiveStream s, Route.Forward action) {
        this.s = s;
        this.action = action;
    }

    String clusterName() {
        return cluster == null ? null : cluster.cluster().name();
    }

    String upstreamHost() {
        return upstreamHost;
    }

    long upstreamServiceTimeMs() {
        return serviceTimeMs;
    }

    private int slot() {
        return s.slot();
    }

    void start() {
        String name = s.route.pickCluster(ThreadLocalRandom.current());
        cluster = s.hcm.worker.clusters().get(name);
        if (cluster == null) {
            // validated at load time; only a bug could bring us here
            s.sendLocalReply(
                    503, "unknown cluster", ResponseFlag.UH.bit(), "cluster_not_found", false);
            return;
        }
        cstats = cluster.cluster().stats;
        prepareHeaders();
        cstats.rqTotal.inc(slot());
        cstats.rqActive.add(slot(), 1);
        s.sendContinue();
        if (s.span != null) {
            startSpan();
        }
        waiting = cluster.newStream(this);
    }

    private void prepareHeaders() {
        HeaderMap h = s.head.headers;
        Hop.stripRequest(h);
        if (action.hostRewrite() != null) {
            h.set("host", action.hostRewrite());
        }
        // several x-forwarded-for fields are one list (RFC 9110 5.3): keep every hop
        java.util.List<String> xff = h.getAll("x-forwarded-for");
        h.set(
                "x-forwarded-for",
                xff.isEmpty() ? s.hcm.remoteIp : String.join(", ", xff) + ", " + s.hcm.remoteIp);
        if (s.hcm.lr.http.xffNumTrustedHops() == 0 || !h.contains("x-forwarded-proto")) {
            h.set("x-forwarded-proto", "http");
        }
        s.route.applyRequestHeaders(h);
        if (s.bodyLength > 0 && !h.contains("content-length")) {
            // a filter removed content-length (to change the body as it streams): send chunked
            s.bodyLength = -1;
        }
        if (s.bodyLength < 0) {
            h.add("transfer-encoding", "chunked");
        }
    }

    /** A CLIENT span for this attempt, its context in the upstream request's headers. */
    private void startSpan() {
        span = Tracing.startClient(s.span, s.method(), s.head.headers);
        span.setAttribute("weir.cluster", cluster.cluster().name());
    }

    /** Ends the attempt's span, as failed when {@code error} is not null. */
    private void endSpan(String error) {
        TraceSpan sp = span;
        if (sp != null) {
            span = null;
            if (error != null) {
                sp.setError(error);
            }
            if (error == null && responseEndNanos != 0) {
                sp.end(sp.epochNanos(responseEndNanos)); // as recordServiceTime read the clock
            } else {
                sp.end();
            }
        }
    }

    private String upstreamTarget() {
        if (s.targetOverride != null) {
            return s.targetOverride;
        }
        String p = s.path;
        if (action.prefixRewrite() != null && s.route.match.prefix() != null) {
            String rest = p.substring(s.route.match.prefix().length());
            p = action.prefixRewrite() + rest;
            if (p.isEmpty()) {
                p = "/";
            }
        }
        return s.query == null ? p : p + "?" + s.query;
    }

    // ---- pool -----------------------------------------------------------------------------------

    @Override
    public void onPoolReady(UpstreamConnection c) {
        waiting = null;
        if (finished) {
            c.abort();
            return;
        }
        conn = c;
        upstreamHost = c.hostAddress();
        long t = s.handoffNanos; // set only while the filter chain hands the request on
        upstreamStartNanos = t != ActiveStream.NO_HANDOFF ? t : System.nanoTime();
        if (span != null) {
            s.hcm.upstreamPeer.apply(span, upstreamHost);
        }
        c.expectResponseTo(s.method().equals("HEAD"));
        c.write(
                Http1Writer.requestHead(
                        c.channel().alloc(), s.method(), upstreamTarget(), s.head.headers));
        if (pendingBody != null) {
            ByteBuf b;
            while ((b = pendingBody.poll()) != null) {
                writeBody(b);
            }
            pendingBytes = 0;
            s.hcm.pauseReading(false);
        }
        if (requestEnded) {
            endRequest(pendingTrailers);
        }
        c.flush();
        if (!c.isWritable()) {
            s.hcm.pauseReading(true);
        }
        if (!s.hcm.channel.isWritable()) {
            setUpstreamReading(false);
        }
    }

    @Override
    public void onPoolFailure(PoolFailure reason, String detail) {
        waiting = null;
        if (finished) {
            return;
        }
        endSpan(reason.name().toLowerCase(java.util.Locale.ROOT));
        switch (reason) {
            case NO_HEALTHY_HOST ->
                    s.sendLocalReply(
                            503,
                            "no healthy upstream",
                            ResponseFlag.UH.bit(),
                            "no_healthy_upstream",
                            false);
            case OVERFLOW ->
                    s.sendLocalReply(
                            503,
                            "upstream overflow",
                            ResponseFlag.UO.bit(),
                            "upstream_overflow",
                            false);
            default ->
                    s.sendLocalReply(
                            503,
                            "upstream connect error or disconnect/reset before headers. reset reason:"
                                    + " connection failure",
                            ResponseFlag.UF.bit(),
                            "upstream_reset_before_response_started{connection_failure}",
                            false);
        }
    }

    // ---- request body ---------------------------------------------------------------------------

    void onRequestData(ByteBuf data) {
        if (finished) {
            data.release();
            return;
        }
        if (conn == null) {
            if (pendingBody == null) {
                pendingBody = new ArrayDeque<>();
            }
            pendingBody.add(data);
            pendingBytes += data.readableBytes();
            if (pendingBytes > s.hcm.lr.config.perConnectionBufferLimitBytes()) {
                s.hcm.pauseReading(true);
            }
            return;
        }
        writeBody(data);
    }

    private void writeBody(ByteBuf data) {
        int n = data.readableBytes();
        if (s.bodyLength < 0) {
            if (n == 0) {
                data.release();
                return;
            }
            conn.write(Http1Writer.chunkHeader(conn.channel().alloc(), n));
            conn.write(data);
            conn.write(Http1Writer.chunkTrailer());
        } else {
            conn.write(data);
        }
    }

    void onRequestComplete(HeaderMap trailers) {
        if (finished) {
            return;
        }
        requestEnded = true;
        pendingTrailers = trailers;
        long timeout = action.timeout().toNanos();
        if (timeout > 0) {
            // Envoy's route timeout: from the end of the downstream request to the response's end
            s.hcm.armStreamTimeout(System.nanoTime() + timeout);
        }
        if (conn != null) {
            endRequest(trailers);
            conn.flush();
        }
    }

    private void endRequest(HeaderMap trailers) {
        if (s.bodyLength < 0) {
            conn.write(Http1Writer.lastChunk(conn.channel().alloc(), trailers));
        }
        conn.requestComplete();
    }

    void flushUpstream() {
        if (conn != null) {
            conn.flush();
            if (!conn.isWritable()) {
                s.hcm.pauseReading(true);
            }
        }
    }

    void setUpstreamReading(boolean on) {
        upstreamReadingPaused = !on;
        if (conn != null) {
            conn.setAutoRead(on);
        }
    }

    @Override
    public void onUpstreamWritabilityChanged(boolean writable) {
        s.hcm.pauseReading(!writable);
    }

    // ---- response -------------------------------------------------------------------------------

    @Override
    public void onResponseHead(ResponseHead head, Http1Parser.Framing framing, long contentLength) {
        if (finished) {
            return;
        }
        cstats.countResponse(slot(), head.status);
        if (span != null) {
            Tracing.status(span, head.status);
        }
        s.encodeHeaders(head, framing, contentLength);
        headReadNanos = s.responseHandoffNanos; // set only by this response's pass
        s.responseHandoffNanos = ActiveStream.NO_HANDOFF;
    }

    @Override
    public void onResponseBody(ByteBuf data) {
        if (finished) {
            data.release();
            return;
        }
        s.encodeData(data);
        if (!upstreamReadingPaused && !s.hcm.channel.isWritable()) {
            setUpstreamReading(false);
        }
    }

    @Override
    public void onResponseComplete(HeaderMap trailers) {
        if (finished) {
            return;
        }
        recordServiceTime();
        conn = null;
        endSpan(null);
        s.encodeComplete(trailers);
    }

    @Override
    public void onUpstreamReadComplete() {
        headReadNanos = ActiveStream.NO_HANDOFF; // a later end comes with a later read
        Channel ch = s.hcm.channel;
        if (!s.hcm.isClosed()) {
            ch.flush();
        }
    }

    @Override
    public void onUpstreamReset(String reason, boolean protocolError, boolean anyResponseBytes) {
        UpstreamConnection failed = conn;
        conn = null;
        if (finished) {
            return;
        }
        endSpan(protocolError ? "upstream_protocol_error" : "upstream_reset");
        if (!s.responseStarted()
                && !anyResponseBytes
                && !protocolError
                && !retried
                && failed != null
                && failed.served() > 0
                && s.bodyLength == 0) {
            // a reused keep-alive connection the upstream had already closed: one fresh try
            retried = true;
            cstats.rqRetry.inc(slot());
            if (s.span != null) {
                startSpan();
            }
            waiting = cluster.newStream(this);
            return;
        }
        if (protocolError) {
            s.sendLocalReply(
                    502,
                    "upstream protocol error",
                    ResponseFlag.UPE.bit(),
                    "upstream_protocol_error",
                    false);
        } else if (!s.responseStarted()) {
            s.sendLocalReply(
                    503,
                    "upstream connect error or disconnect/reset before headers. reset reason:"
                            + " connection termination",
                    ResponseFlag.UC.bit(),
                    "upstream_reset_before_response_started{connection_termination}",
                    false);
        } else {
            s.resetStream(ResponseFlag.UC.bit(), "upstream_reset_after_response_started");
        }
    }

    void onTimeout() {
        if (finished) {
            return;
        }
        cstats.rqTimeout.inc(slot());
        endSpan("upstream_response_timeout");
        abortUpstream();
        if (s.responseStarted()) {
            s.resetStream(ResponseFlag.UT.bit(), "upstream_response_timeout");
        } else {
            s.sendLocalReply(
                    504,
                    "upstream request timeout",
                    ResponseFlag.UT.bit(),
                    "upstream_response_timeout",
                    false);
        }
    }

    /** The stream ended early (reset, timeout, 413): drop the upstream side. */
    void abort() {
        abortUpstream();
    }

    private void abortUpstream() {
        if (waiting != null) {
            waiting.cancel();
            waiting = null;
        }
        if (conn != null) {
            UpstreamConnection c = conn;
            conn = null;
            c.abort();
        }
    }

    private void recordServiceTime() {
        if (upstreamStartNanos != 0) {
            // the whole response came in the read that brought its head: every byte of that read
            // arrived before the filters' response pass ended, so that pass's last reading is as
            // good an end as a new one (the filters took microseconds; this time is in ms)
            long t = headReadNanos;
            responseEndNanos = t != ActiveStream.NO_HANDOFF ? t : System.nanoTime();
            long ns = responseEndNanos - upstreamStartNanos;
            serviceTimeMs = ns / 1_000_000;
            cstats.rqTime.record(slot(), ns / 1e6);
        }
    }

    /** The stream is finished: release everything still held. */
    void release() {
        if (finished) {
            return;
        }
        finished = true;
        endSpan("stream_ended");
        abortUpstream();
        if (pendingBody != null) {
            ByteBuf b;
            while ((b = pendingBody.poll()) != null) {
                b.release();
            }
        }
        if (cstats != null) {
            cstats.rqActive.add(slot(), -1);
        }
    }
}
