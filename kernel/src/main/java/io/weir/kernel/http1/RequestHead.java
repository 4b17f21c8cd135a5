package io.weir.kernel.http1;

/**
 * A parsed request line and header section. {@code target} is the raw request-target; {@code
 * http10} is true for HTTP/1.0. Owned by the stream that received it; not thread-safe.
 */
public final class RequestHead {
    public final String method;
    public final String target;
    public final boolean http10;
    public final HeaderMap headers;

    public RequestHead(String method, String target, boolean http10, HeaderMap headers) {
        this.method = method;
        this.target = target;
        this.http10 = http10;
        this.headers = headers;
    }

    public String protocol() {
        return http10 ? "HTTP/1.0" : "HTTP/1.1";
    }
}
