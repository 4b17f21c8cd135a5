package io.weir.spi;

import java.util.List;
import java.util.Map;

/**
 * The kernel side of one request's filter ({@link HttpFilter}): the request and response, flow
 * control, local replies, properties and per-stream metadata.
 *
 * <p>Threading: the stream's worker only. Lifetime: valid until {@link HttpFilter#onDestroy()}
 * returns; later calls are ignored and counted.
 */
public interface StreamContext extends FilterContext {
    /**
     * The config in effect for this request: the route's or virtual host's {@code
     * per_filter_config} override when there is one, else the listener's. The type is what {@link
     * HttpFilterFactory#parseConfig} returned.
     */
    Object config();

    /** The request headers (live; see {@link Headers}). */
    Headers requestHeaders();

    /** The response headers, or null before the response has headers. */
    Headers responseHeaders();

    /** Resumes the request direction after this filter returned {@link FilterStatus#STOP}. */
    void continueRequest();

    /** Resumes the response direction after this filter returned {@link FilterStatus#STOP}. */
    void continueResponse();

    /**
     * Answers the request with {@code reply} instead of the upstream's response; the remaining
     * request filters and the router are skipped. Once the response has started, the stream is
     * reset instead. A filter should return {@link FilterStatus#STOP} after calling it.
     */
    void sendLocalReply(LocalReply reply);

    /** Shorthand for {@link #sendLocalReply(LocalReply)}. */
    default void sendLocalReply(
            int status, String body, List<Map.Entry<String, String>> headers, String details) {
        sendLocalReply(new LocalReply(status, body, headers, details, null));
    }

    /** Ends the stream abruptly: the client connection is closed, the upstream request aborted. */
    void resetStream();

    /**
     * Records an Envoy response flag for this request without ending it, such as {@code DI} for an
     * injected delay: the access log and the {@code response.flags} property show it. A name Weir
     * does not know is ignored. Since SPI 1.1.
     */
    default void addResponseFlag(String flag) {}

    /**
     * Asks the kernel to hold the whole request body and call {@link HttpFilter#onRequestBody}
     * once, with {@code endOfStream} true; call it from {@link HttpFilter#onRequestHeaders}. The
     * headers are held at this filter too, so the body may be replaced freely. A body larger than
     * {@code maxBytes} is answered with 413.
     */
    void bufferRequestBody(int maxBytes);

    /**
     * Asks the kernel to hold the whole response body and call {@link HttpFilter#onResponseBody}
     * once; call it from {@link HttpFilter#onResponseHeaders}. Beyond {@code maxBytes} the stream
     * gets a 500 (or a reset once the response has started).
     */
    void bufferResponseBody(int maxBytes);

    /**
     * A property by its proxy-wasm name, as text, or null when unknown or not yet available: {@code
     * request.path}, {@code request.url_path}, {@code request.host}, {@code request.method}, {@code
     * request.scheme}, {@code request.protocol}, {@code request.id}, {@code request.time}, {@code
     * request.query}, {@code source.address}, {@code source.port}, {@code destination.address},
     * {@code destination.port}, {@code connection.mtls}, {@code connection.id}, {@code
     * plugin_name}, {@code route_name}, {@code cluster_name}, {@code upstream.address}, {@code
     * response.code}, {@code response.flags}, {@code worker_id}. A name set with {@link
     * #setMetadata} with a String value is also answered.
     */
    String property(String name);

    /**
     * Attaches a value to this request, visible to later filters (and to earlier ones in the
     * response direction) through {@link #metadata}; for example the claims of a verified JWT.
     */
    void setMetadata(String key, Object value);

    /** A value set with {@link #setMetadata} by any filter of this request, or null. */
    Object metadata(String key);
}
