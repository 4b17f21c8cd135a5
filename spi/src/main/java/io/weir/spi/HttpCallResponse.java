package io.weir.spi;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The outcome of a call-out: a response, or a failure. Delivered on the worker that made the call;
 * the object is not shared with anyone else, so the filter owns it (and its body array).
 *
 * @param status the response status, or 0 when there is no response
 * @param headers response headers in order, names in lower case
 * @param body the response body, never null
 * @param failure null for a response; otherwise why there is none: {@code timeout}, {@code
 *     no_healthy_upstream}, {@code connection_failure}, {@code reset}, {@code unknown_cluster},
 *     {@code overflow}
 */
public record HttpCallResponse(
        int status, List<Map.Entry<String, String>> headers, byte[] body, String failure) {
    public HttpCallResponse {
        headers = headers == null ? List.of() : List.copyOf(headers);
        body = body == null ? new byte[0] : body;
    }

    /** A failure without a response. */
    public static HttpCallResponse failed(String reason) {
        return new HttpCallResponse(0, List.of(), new byte[0], reason);
    }

    /** Whether a response arrived (of any status). */
    public boolean ok() {
        return failure == null;
    }

    /** The first value of header {@code name}, or null. */
    public String header(String name) {
        for (Map.Entry<String, String> e : headers) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    /** The body as UTF-8. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
