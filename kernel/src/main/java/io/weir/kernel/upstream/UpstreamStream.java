package io.weir.kernel.upstream;

import io.netty.buffer.ByteBuf;
import io.weir.kernel.http1.HeaderMap;
import io.weir.kernel.http1.Http1Parser;
import io.weir.kernel.http1.ResponseHead;

/**
 * The stream side of an upstream request: what an {@link UpstreamConnection} reports while it
 * serves one request. Called on the worker that owns both.
 */
public interface UpstreamStream {
    /** A connection is ready for this request (new or reused from the pool). */
    void onPoolReady(UpstreamConnection connection);

    /** No connection could be had; {@code reason} says why. */
    void onPoolFailure(PoolFailure reason, String detail);

    void onResponseHead(ResponseHead head, Http1Parser.Framing framing, long contentLength);

    /** Response body bytes; the stream owns {@code data}. */
    void onResponseBody(ByteBuf data);

    void onResponseComplete(HeaderMap trailers);

    /**
     * The connection failed while serving this request: closed by the upstream ({@code
     * protocolError} false) or sent a malformed response (true). {@code anyResponseBytes} tells
     * whether anything of the response had arrived.
     */
    void onUpstreamReset(String reason, boolean protocolError, boolean anyResponseBytes);

    /** The end of one batch of reads from the upstream: time to flush downstream. */
    void onUpstreamReadComplete();

    /** The upstream connection's outbound buffer crossed a watermark. */
    void onUpstreamWritabilityChanged(boolean writable);

    /** Why a connection could not be had. */
    enum PoolFailure {
        NO_HEALTHY_HOST,
        CONNECT_FAILURE,
        CONNECT_TIMEOUT,
        OVERFLOW
    }
}
