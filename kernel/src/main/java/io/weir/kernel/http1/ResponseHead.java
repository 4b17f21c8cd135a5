package io.weir.kernel.http1;

/** A parsed (or locally made) status line and header section; owned by one stream. */
public final class ResponseHead {
    public final int status;
    public final String reason;
    public final HeaderMap headers;

    public ResponseHead(int status, String reason, HeaderMap headers) {
        this.status = status;
        this.reason = reason;
        this.headers = headers;
    }
}
