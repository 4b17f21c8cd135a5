package io.weir.kernel.accesslog;

import io.weir.kernel.http1.HeaderMap;

/**
 * What is logged for one finished request. Built by the worker at the end of the stream and handed
 * to {@link AccessLog#log}; immutable, so the writer thread may read it later.
 *
 * <p>Strings may be {@code null} (not known: no response, no upstream, header absent): they render
 * as {@code -} in the text format and as {@code null} in JSON. {@code responseCode} is {@code 0}
 * when no response was sent; {@code upstreamServiceTimeMs} is {@code -1} when no upstream answered.
 *
 * @param startEpochMillis when the first byte of the request arrived, epoch milliseconds
 * @param method request method
 * @param path the request path as received ({@code X-ENVOY-ORIGINAL-PATH} when rewritten)
 * @param protocol {@code HTTP/1.1} or {@code HTTP/1.0}
 * @param responseCode status sent downstream, 0 if none
 * @param responseFlags {@link ResponseFlag} bits
 * @param bytesReceived request body bytes received
 * @param bytesSent response body bytes sent
 * @param durationMs from the first request byte to the last response byte
 * @param upstreamServiceTimeMs time the upstream took, -1 if none
 * @param xForwardedFor the {@code x-forwarded-for} header
 * @param userAgent the {@code user-agent} header
 * @param requestId the {@code x-request-id} header
 * @param authority the {@code host} header
 * @param upstreamHost {@code ip:port} of the upstream host
 * @param routeName name of the matched route
 * @param clusterName name of the upstream cluster
 * @param downstreamRemoteAddress {@code ip:port} of the client
 * @param responseCodeDetails why the response code was chosen ({@code via_upstream}, ...)
 * @param traceId the trace's id (32 hex digits) when the request was traced, else null
 * @param requestHeaders the request's headers, for custom formats' {@code %REQ(X)%}; never changed
 *     once the entry is made (the stream has ended), null when there was no request head
 * @param responseHeaders the response's headers as sent, for {@code %RESP(X)%}, or null
 */
public record AccessLogEntry(
        long startEpochMillis,
        String method,
        String path,
        String protocol,
        int responseCode,
        int responseFlags,
        long bytesReceived,
        long bytesSent,
        long durationMs,
        long upstreamServiceTimeMs,
        String xForwardedFor,
        String userAgent,
        String requestId,
        String authority,
        String upstreamHost,
        String routeName,
        String clusterName,
        String downstreamRemoteAddress,
        String responseCodeDetails,
        String traceId,
        HeaderMap requestHeaders,
        HeaderMap responseHeaders) {}
