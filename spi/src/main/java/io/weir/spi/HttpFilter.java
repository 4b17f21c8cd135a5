package io.weir.spi;

/**
 * The filter of one HTTP request, like proxy-wasm's stream (HTTP) context. Every callback has a
 * default that continues, so a filter implements only what it needs; Weir skips body callbacks a
 * filter does not implement, so such a filter costs nothing per body chunk.
 *
 * <p>Order: the request callbacks run in filter order ({@code http.filters} top to bottom, the
 * router last), the response callbacks in reverse order. For one request: {@link
 * #onRequestHeaders}, {@link #onRequestBody} per chunk, {@link #onRequestTrailers} (only when the
 * request has trailers), then the same for the response, then {@link #onLog} once the response is
 * complete or the stream ended early, then {@link #onDestroy}. A callback that returns {@link
 * FilterStatus#STOP} pauses that direction (see there). A request answered before it reached this
 * filter never calls it; a local reply sent by a later filter still passes this filter's {@link
 * #onResponseHeaders} (its status is then ignored).
 *
 * <p>Threading: called on the stream's worker only, one callback at a time. Ownership: the {@link
 * Headers} and {@link Body} arguments are views valid during the call (headers stay valid for the
 * stream's life through {@link StreamContext}); do not keep a body after the call returns. An
 * exception thrown from a callback is a filter failure handled by the filter's {@code fail_policy}.
 */
public interface HttpFilter {
    /** The request headers, including {@code :method}, {@code :path}, {@code :authority}. */
    default FilterStatus onRequestHeaders(Headers headers, boolean endOfStream) {
        return FilterStatus.CONTINUE;
    }

    /**
     * A request body chunk, or the whole body when the filter asked for buffering with {@link
     * StreamContext#bufferRequestBody}. {@code endOfStream} is true on the last call.
     */
    default FilterStatus onRequestBody(Body body, boolean endOfStream) {
        return FilterStatus.CONTINUE;
    }

    /** The request trailers; called only when the request has some. */
    default FilterStatus onRequestTrailers(Headers trailers) {
        return FilterStatus.CONTINUE;
    }

    /** The response headers, including {@code :status}. */
    default FilterStatus onResponseHeaders(Headers headers, boolean endOfStream) {
        return FilterStatus.CONTINUE;
    }

    /** A response body chunk, or the whole body when buffering was asked for. */
    default FilterStatus onResponseBody(Body body, boolean endOfStream) {
        return FilterStatus.CONTINUE;
    }

    /** The response trailers; called only when the response has some. */
    default FilterStatus onResponseTrailers(Headers trailers) {
        return FilterStatus.CONTINUE;
    }

    /**
     * The stream is over (response sent, local reply, or reset); request and response headers and
     * {@link StreamContext#property properties} are still readable. Called for every filter that
     * saw the request headers.
     */
    default void onLog() {}

    /** The last call; afterwards calls to the context are ignored (and counted). */
    default void onDestroy() {}
}
