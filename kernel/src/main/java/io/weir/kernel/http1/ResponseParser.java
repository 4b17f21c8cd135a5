package io.weir.kernel.http1;

import io.netty.buffer.ByteBuf;

/**
 * Parses responses on an upstream connection. The caller says, before each response, whether the
 * request was a HEAD (no body whatever the headers say). Informational (1xx) responses are reported
 * and skipped; the parser then waits for the final response.
 */
public final class ResponseParser extends Http1Parser {

    /** Receives what the parser finds; called on the connection's worker. */
    public interface Listener {
        /** A final (non-1xx) response head; {@code framing} tells how its body is delimited. */
        void onResponseHead(ResponseHead head, Framing framing, long contentLength);

        /** Body bytes; the listener owns {@code data}. */
        void onResponseBody(ByteBuf data);

        void onResponseComplete(HeaderMap trailers);

        /** Malformed response or premature close ({@code status} 0 then). */
        void onResponseError(int status, String reason);
    }

    private final Listener listener;
    private boolean headRequest;
    private int status;
    private String reason;
    private long contentLength;
    private boolean http10;

    public ResponseParser(int maxHeaderBytes, int maxHeaders, Listener listener) {
        super(maxHeaderBytes, maxHeaders);
        this.listener = listener;
    }

    /** Call before the response to each request is parsed. */
    public void expectResponseTo(boolean headRequest) {
        this.headRequest = headRequest;
    }

    @Override
    protected int startLineTooLongStatus() {
        return 502;
    }

    @Override
    protected void parseStartLine(byte[] b, int len) throws ParseError {
        // HTTP/1.x SP 3DIGIT SP reason   (the reason may be empty; the SP before it may be missing)
        if (len < 12
                || b[0] != 'H'
                || b[1] != 'T'
                || b[2] != 'T'
                || b[3] != 'P'
                || b[4] != '/'
                || b[5] != '1'
                || b[6] != '.'
                || !Character.isDigit(b[7])
                || b[8] != ' ') {
            throw new ParseError(502, "malformed status line");
        }
        int s = 0;
        for (int i = 0; i < 3; i++) {
            int d = b[9 + i] - '0';
            if (d < 0 || d > 9) {
                throw new ParseError(502, "malformed status code");
            }
            s = s * 10 + d;
        }
        if (s < 100 || s > 599) {
            throw new ParseError(502, "invalid status code " + s);
        }
        if (len > 12 && b[12] != ' ') {
            throw new ParseError(502, "malformed status line");
        }
        http10 = b[7] == '0';
        status = s;
        reason = len > 13 ? reason(b, 13, len - 13) : "";
    }

    /** The reason phrase {@code b[off, off + len)}: the shared "OK" for the usual one. */
    private static String reason(byte[] b, int off, int len) {
        return len == 2 && b[off] == 'O' && b[off + 1] == 'K' ? "OK" : ascii(b, off, len);
    }

    /** Whether the last status line said HTTP/1.0. */
    public boolean isHttp10() {
        return http10;
    }

    @Override
    protected Framing decideFraming(HeaderMap h) throws ParseError {
        contentLength = -1;
        if (status < 200) {
            return Framing.NONE;
        }
        boolean te = h.contains("transfer-encoding");
        if (te && h.contains("content-length")) {
            throw new ParseError(502, "both content-length and transfer-encoding");
        }
        if (headRequest || status == 204 || status == 304) {
            contentLength = headRequest ? Math.max(0, contentLength(h)) : 0;
            return Framing.NONE;
        }
        if (chunked(h, 502, 502)) {
            return Framing.CHUNKED;
        }
        long cl = contentLength(h);
        if (cl >= 0) {
            contentLength = cl;
            if (cl == 0) {
                return Framing.NONE;
            }
            expectBodyLength(cl);
            return Framing.CONTENT_LENGTH;
        }
        return Framing.UNTIL_CLOSE;
    }

    @Override
    protected void onHeaders(HeaderMap headers) {
        if (status < 200) {
            // 1xx: skip it and parse the final response (101 is refused by the caller).
            if (status == 101) {
                onError(502, "unexpected 101 switching protocols");
                state = State.FAILED;
                return;
            }
            reset();
            return;
        }
        listener.onResponseHead(new ResponseHead(status, reason, headers), framing, contentLength);
    }

    @Override
    protected void onBody(ByteBuf data) {
        listener.onResponseBody(data);
    }

    @Override
    protected void onMessageComplete(HeaderMap trailers) {
        if (status >= 200) {
            listener.onResponseComplete(trailers);
        }
    }

    @Override
    protected void onError(int status, String reason) {
        listener.onResponseError(status, reason);
    }
}
