package io.weir.kernel.http1;

import io.netty.buffer.ByteBuf;

/**
 * Parses requests from a downstream connection (RFC 9112 and Envoy's defaults): HTTP/1.0 and
 * HTTP/1.1 only, {@code Host} required on 1.1 and never repeated or invalid, exactly one valid
 * {@code Content-Length} or a {@code Transfer-Encoding} of exactly {@code chunked} (a malformed one
 * is a 400, another coding a 501), never both, and no framing header spelled with {@code _}.
 */
public final class RequestParser extends Http1Parser {

    /** Receives what the parser finds; called on the connection's worker. */
    public interface Listener {
        /**
         * A valid request head; {@code bodyLength} is -1 for chunked, else the length (0: none).
         */
        void onRequestHead(RequestHead head, long bodyLength);

        /** Body bytes; the listener owns {@code data} and must release it. */
        void onRequestBody(ByteBuf data);

        /** The request is complete; {@code trailers} is null unless the body was chunked. */
        void onRequestComplete(HeaderMap trailers);

        /** The request is malformed: answer {@code status} (0 = peer closed) and close. */
        void onRequestError(int status, String reason);
    }

    private static final String[] METHODS = {
        "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "CONNECT"
    };

    private final Listener listener;
    private String method;
    private String target;
    private boolean http10;
    private long bodyLength;

    public RequestParser(int maxHeaderBytes, int maxHeaders, Listener listener) {
        super(maxHeaderBytes, maxHeaders);
        this.listener = listener;
    }

    @Override
    protected int startLineTooLongStatus() {
        return 414;
    }

    @Override
    protected void parseStartLine(byte[] b, int len) throws ParseError {
        int sp1 = indexOf(b, 0, len, (byte) ' ');
        if (sp1 <= 0) {
            throw new ParseError(400, "malformed request line");
        }
        int sp2 = indexOf(b, sp1 + 1, len, (byte) ' ');
        if (sp2 < 0) {
            throw new ParseError(400, "missing HTTP version (HTTP/0.9 is not supported)");
        }
        if (sp2 == sp1 + 1) {
            throw new ParseError(400, "malformed request line");
        }
        method = method(b, sp1);
        if (!isToken(method)) {
            throw new ParseError(400, "invalid method");
        }
        for (int i = sp1 + 1; i < sp2; i++) {
            int c = b[i] & 0xff;
            if (c <= 0x20 || c >= 0x7f) {
                throw new ParseError(400, "invalid character in request target");
            }
        }
        target = ascii(b, sp1 + 1, sp2 - sp1 - 1);
        int vlen = len - sp2 - 1;
        if (vlen != 8
                || b[sp2 + 1] != 'H'
                || b[sp2 + 2] != 'T'
                || b[sp2 + 3] != 'T'
                || b[sp2 + 4] != 'P'
                || b[sp2 + 5] != '/'
                || b[sp2 + 7] != '.'
                || !Character.isDigit(b[sp2 + 6])
                || !Character.isDigit(b[sp2 + 8])) {
            throw new ParseError(400, "malformed HTTP version");
        }
        byte major = b[sp2 + 6];
        byte minor = b[sp2 + 8];
        if (major != '1' || (minor != '0' && minor != '1')) {
            throw new ParseError(505, "unsupported HTTP version " + ascii(b, sp2 + 1, 8));
        }
        http10 = minor == '0';
    }

    /** The method {@code b[0, len)}: a shared constant when it is a standard one. */
    private static String method(byte[] b, int len) {
        outer:
        for (String m : METHODS) {
            if (m.length() != len) {
                continue;
            }
            for (int i = 0; i < len; i++) {
                if (b[i] != m.charAt(i)) {
                    continue outer;
                }
            }
            return m;
        }
        return ascii(b, 0, len);
    }

    @Override
    protected Framing decideFraming(HeaderMap h) throws ParseError {
        for (int i = 0; i < h.size(); i++) {
            String n = h.name(i);
            if (n.indexOf('_') >= 0) {
                String dashed = n.replace('_', '-');
                if (dashed.equals("content-length") || dashed.equals("transfer-encoding")) {
                    throw new ParseError(400, "underscore in framing header name \"" + n + "\"");
                }
            }
        }
        int hosts = h.count("host");
        if (hosts > 1) {
            throw new ParseError(400, "multiple host headers");
        }
        if (hosts == 0 && !http10) {
            throw new ParseError(400, "missing host header");
        }
        if (hosts == 1 && !isValidHost(h.get("host"))) {
            throw new ParseError(400, "invalid host header");
        }
        boolean hasTe = h.contains("transfer-encoding");
        if (hasTe && http10) {
            throw new ParseError(400, "transfer-encoding in an HTTP/1.0 request");
        }
        if (hasTe && h.contains("content-length")) {
            throw new ParseError(400, "both content-length and transfer-encoding");
        }
        if (chunked(h, 400, 501)) {
            bodyLength = -1;
            return Framing.CHUNKED;
        }
        long cl = contentLength(h);
        if (cl > 0) {
            bodyLength = cl;
            expectBodyLength(cl);
            return Framing.CONTENT_LENGTH;
        }
        bodyLength = 0;
        return Framing.NONE;
    }

    /**
     * Whether {@code v} is {@code uri-host [ ":" port ]} (RFC 9112 3.2, RFC 3986 3.2.2): a reg-name
     * or IPv4 address, or an IP literal in brackets; empty is allowed.
     */
    public static boolean isValidHost(String v) {
        int n = v.length();
        int i = 0;
        if (n > 0 && v.charAt(0) == '[') {
            int close = v.indexOf(']');
            if (close < 0) {
                return false;
            }
            for (i = 1; i < close; i++) {
                char c = v.charAt(i);
                if (!isUnreserved(c) && c != ':' && c != '%') {
                    return false;
                }
            }
            i = close + 1;
        } else {
            for (; i < n && v.charAt(i) != ':'; i++) {
                char c = v.charAt(i);
                if (!isUnreserved(c) && c != '%' && "!$&'()*+,;=".indexOf(c) < 0) {
                    return false;
                }
            }
        }
        if (i < n && v.charAt(i++) != ':') {
            return false;
        }
        for (; i < n; i++) {
            if (v.charAt(i) < '0' || v.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isUnreserved(char c) {
        return c >= 'a' && c <= 'z'
                || c >= 'A' && c <= 'Z'
                || c >= '0' && c <= '9'
                || c == '-'
                || c == '.'
                || c == '_'
                || c == '~';
    }

    @Override
    protected void onHeaders(HeaderMap headers) {
        listener.onRequestHead(new RequestHead(method, target, http10, headers), bodyLength);
    }

    @Override
    protected void onBody(ByteBuf data) {
        listener.onRequestBody(data);
    }

    @Override
    protected void onMessageComplete(HeaderMap trailers) {
        listener.onRequestComplete(trailers);
    }

    @Override
    protected void onError(int status, String reason) {
        listener.onRequestError(status, reason);
    }
}
