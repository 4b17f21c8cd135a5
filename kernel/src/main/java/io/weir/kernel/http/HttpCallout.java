package io.weir.kernel.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weir.kernel.http1.HeaderMap;
import io.weir.kernel.http1.Http1Parser;
import io.weir.kernel.http1.Http1Writer;
import io.weir.kernel.http1.ResponseHead;
import io.weir.kernel.upstream.ClusterWorker;
import io.weir.kernel.upstream.UpstreamConnection;
import io.weir.kernel.upstream.UpstreamStream;
import io.weir.spi.Cancellable;
import io.weir.spi.HttpCallRequest;
import io.weir.spi.HttpCallResponse;
import io.weir.spi.tracing.TraceSpan;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One call-out from a filter to a cluster, over the worker's own upstream pools. Delivers exactly
 * one {@link HttpCallResponse} to the callback on the worker, unless cancelled first. Worker thread
 * only.
 */
final class HttpCallout implements UpstreamStream, Cancellable {
    /** The largest call-out response body kept; a larger one fails the call. */
    static final int MAX_BODY = 4 << 20;

    private final Worker worker;
    private final String cluster;
    private final HttpCallRequest request;
    private final Consumer<HttpCallResponse> callback;
    private final Runnable onEnd;
    private final TraceSpan parent;
    private TraceSpan span;
    private ClusterWorker.Handle waiting;
    private UpstreamConnection conn;
    private ScheduledFuture<?> timer;
    private ResponseHead head;
    private ByteArrayOutputStream body;
    private boolean done;

    HttpCallout(
            Worker worker,
            String cluster,
            HttpCallRequest request,
            Consumer<HttpCallResponse> callback,
            Runnable onEnd) {
        this(worker, cluster, request, callback, onEnd, null);
    }

    /**
     * @param parent the span of the stream making the call, or null (untraced, or a root context)
     */
    HttpCallout(
            Worker worker,
            String cluster,
            HttpCallRequest request,
            Consumer<HttpCallResponse> callback,
            Runnable onEnd,
            TraceSpan parent) {
        this.parent = parent;
        this.worker = worker;
        this.cluster = cluster;
        this.request = request;
        this.callback = callback;
        this.onEnd = onEnd;
    }

    void start(Duration timeout) {
        if (parent != null) {
            span = parent.startChild(cluster, io.weir.spi.tracing.SpanKind.CLIENT);
            span.setAttribute("http.request.method", request.method());
            span.setAttribute("weir.cluster", cluster);
        }
        ClusterWorker cw = worker.clusters().get(cluster);
        if (cw == null) {
            worker.dispatcher().post(() -> finish(HttpCallResponse.failed("unknown_cluster")));
            return;
        }
        long ms = Math.max(1, timeout.toMillis());
        timer = worker.dispatcher().schedule(this::onTimeout, ms, TimeUnit.MILLISECONDS);
        ClusterWorker.Handle h = cw.newStream(this);
        if (!done) {
            waiting = h;
        }
    }

    @Override
    public void cancel() {
        if (!done) {
            done = true;
            release();
            onEnd.run();
        }
    }

    private void onTimeout() {
        finish(HttpCallResponse.failed("timeout"));
    }

    private void finish(HttpCallResponse r) {
        if (done) {
            return;
        }
        done = true;
        if (span != null) {
            if (r.failure() != null) {
                span.setError(r.failure());
            } else {
                Tracing.status(span, r.status());
            }
        }
        release();
        onEnd.run();
        callback.accept(r);
    }

    private void release() {
        if (span != null) {
            TraceSpan sp = span;
            span = null;
            sp.end();
        }
        if (timer != null) {
            timer.cancel(false);
        }
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

    @Override
    public void onPoolReady(UpstreamConnection c) {
        waiting = null;
        if (done) {
            c.abort();
            return;
        }
        conn = c;
        HeaderMap h = new HeaderMap(8 + request.headers().size());
        h.add("host", request.authority() != null ? request.authority() : cluster);
        for (Map.Entry<String, String> e : request.headers()) {
            String name = e.getKey().toLowerCase(java.util.Locale.ROOT);
            if (!name.equals("host") && !name.equals("content-length")) {
                h.add(name, e.getValue());
            }
        }
        if (span != null) {
            span.inject(Tracing.writer(h));
            Tracing.peer(span, c.hostAddress());
        }
        byte[] b = request.body();
        if (b != null || !request.method().equals("GET") && !request.method().equals("HEAD")) {
            h.add("content-length", Integer.toString(b == null ? 0 : b.length));
        }
        c.expectResponseTo(request.method().equals("HEAD"));
        c.write(Http1Writer.requestHead(c.channel().alloc(), request.method(), request.path(), h));
        if (b != null && b.length > 0) {
            c.write(Unpooled.wrappedBuffer(b));
        }
        c.requestComplete();
        c.flush();
    }

    @Override
    public void onPoolFailure(PoolFailure reason, String detail) {
        waiting = null;
        finish(
                HttpCallResponse.failed(
                        switch (reason) {
                            case NO_HEALTHY_HOST -> "no_healthy_upstream";
                            case OVERFLOW -> "overflow";
                            default -> "connection_failure";
                        }));
    }

    @Override
    public void onResponseHead(ResponseHead h, Http1Parser.Framing framing, long contentLength) {
        head = h;
        body =
                new ByteArrayOutputStream(
                        contentLength > 0 ? (int) Math.min(contentLength, MAX_BODY) : 256);
    }

    @Override
    public void onResponseBody(ByteBuf data) {
        try {
            if (!done && body != null) {
                if (body.size() + data.readableBytes() > MAX_BODY) {
                    finish(HttpCallResponse.failed("response_too_large"));
                    return;
                }
                data.readBytes(body, data.readableBytes());
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        } finally {
            data.release();
        }
    }

    @Override
    public void onResponseComplete(HeaderMap trailers) {
        conn = null; // back to the pool
        if (head == null) {
            finish(HttpCallResponse.failed("reset"));
            return;
        }
        List<Map.Entry<String, String>> hs = new ArrayList<>(head.headers.size());
        head.headers.forEach((n, v) -> hs.add(Map.entry(n, v)));
        finish(new HttpCallResponse(head.status, hs, body.toByteArray(), null));
    }

    @Override
    public void onUpstreamReset(String reason, boolean protocolError, boolean anyResponseBytes) {
        conn = null;
        finish(HttpCallResponse.failed("reset"));
    }

    @Override
    public void onUpstreamReadComplete() {}

    @Override
    public void onUpstreamWritabilityChanged(boolean writable) {}
}
