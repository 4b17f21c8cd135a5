package io.weir.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An HTTP request a filter sends to a configured cluster (a call-out), like proxy-wasm's {@code
 * proxy_http_call}. Immutable and thread-safe: the header list and the body are copied in.
 *
 * @param method the method, such as {@code GET}
 * @param path the path with query
 * @param authority the {@code host} header; null means the cluster's name
 * @param headers more headers
 * @param body the body, or null
 */
public record HttpCallRequest(
        String method,
        String path,
        String authority,
        List<Map.Entry<String, String>> headers,
        byte[] body) {
    public HttpCallRequest {
        if (method == null || method.isEmpty()) {
            throw new IllegalArgumentException("method is required");
        }
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("path must start with / (was " + path + ")");
        }
        headers = headers == null ? List.of() : List.copyOf(headers);
        body = body == null ? null : body.clone();
    }

    /** A GET of {@code path}. */
    public static HttpCallRequest get(String path) {
        return new HttpCallRequest("GET", path, null, List.of(), null);
    }

    /** This request with one more header. */
    public HttpCallRequest withHeader(String name, String value) {
        List<Map.Entry<String, String>> h = new ArrayList<>(headers);
        h.add(Map.entry(name, value));
        return new HttpCallRequest(method, path, authority, h, body);
    }
}
