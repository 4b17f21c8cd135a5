package io.weir.kernel.http1;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * A strict, incremental HTTP/1.1 message parser (RFC 9112) shared by the request and response
 * sides. It consumes complete lines from the caller's cumulation buffer and hands body bytes out as
 * retained slices, so headers are parsed once and bodies are never copied.
 *
 * <p>Strictness, as Envoy's defaults: lines must end in CRLF (a bare LF or CR is an error), NUL and
 * other control characters in a field are errors, whitespace before the colon and obsolete line
 * folding are errors, field names must be tokens, the header section and the field count are
 * bounded. Not thread-safe: one parser per connection, used on its worker.
 */
public abstract class Http1Parser {

    /** Where the parser is in the current message. */
    protected enum State {
        START_LINE,
        HEADERS,
        BODY_FIXED,
        CHUNK_SIZE,
        CHUNK_DATA,
        CHUNK_DATA_END,
        TRAILERS,
        BODY_UNTIL_CLOSE,
        DONE,
        FAILED
    }

    /** Framing of the current message's body. */
    public enum Framing {
        NONE,
        CONTENT_LENGTH,
        CHUNKED,
        UNTIL_CLOSE
    }

    /** Thrown inside the parser and turned into {@link #onError}; never escapes. */
    protected static final class ParseError extends Exception {
        final int status;

        ParseError(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    /** RFC 9110 tchar. */
    private static final boolean[] TCHAR = new boolean[256];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    protected final int maxHeaderBytes;
    protected final int maxHeaders;
    protected State state = State.START_LINE;
    protected HeaderMap headers;
    protected Framing framing = Framing.NONE;
    private int headerBytes;
    private long remaining;
    private HeaderMap trailers;
    private int emptyLinesBeforeStart;
    private int scanned;

    protected Http1Parser(int maxHeaderBytes, int maxHeaders) {
        this.maxHeaderBytes = maxHeaderBytes;
        this.maxHeaders = maxHeaders;
    }

    public static boolean isToken(CharSequence s) {
        if (s.length() == 0) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 255 || !TCHAR[c]) {
                return false;
            }
        }
        return true;
    }

    /** Whether the current message has been fully parsed; call {@link #reset()} for the next. */
    public final boolean isDone() {
        return state == State.DONE;
    }

    public final boolean isFailed() {
        return state == State.FAILED;
    }

    /** Whether the parser is between messages with nothing of the next one consumed. */
    public final boolean isIdle() {
        return state == State.START_LINE && headerBytes == 0;
    }

    /** Whether the header section of the current message has been delivered. */
    public final boolean headersDone() {
        return state.ordinal() > State.HEADERS.ordinal();
    }

    /** Prepares for the next message on the same connection. */
    public void reset() {
        state = State.START_LINE;
        headers = null;
        trailers = null;
        framing = Framing.NONE;
        headerBytes = 0;
        remaining = 0;
        emptyLinesBeforeStart = 0;
        scanned = 0;
    }

    /**
     * Parses as much of {@code in} as possible: stops when more bytes are needed, when a message is
     * complete ({@link #isDone()}), or on an error. Body bytes leave {@code in} as retained slices
     * passed to {@link #onBody}; unread bytes stay in {@code in} (borrowed, not released here).
     */
    public final void parse(ByteBuf in) {
        try {
            while (in.isReadable() || state == State.BODY_FIXED && remaining == 0) {
                switch (state) {
                    case START_LINE -> {
                        if (!readStartLine(in)) {
                            return;
                        }
                    }
                    case HEADERS -> {
                        if (!readHeaderLine(in, false)) {
                            return;
                        }
                    }
                    case BODY_FIXED -> {
                        if (remaining == 0) {
                            finish();
                            return;
                        }
                        int n = (int) Math.min(remaining, in.readableBytes());
                        remaining -= n;
                        onBody(in.readRetainedSlice(n));
                        if (remaining == 0) {
                            finish();
                            return;
                        }
                    }
                    case BODY_UNTIL_CLOSE -> onBody(in.readRetainedSlice(in.readableBytes()));
                    case CHUNK_SIZE -> {
                        if (!readChunkSize(in)) {
                            return;
                        }
                    }
                    case CHUNK_DATA -> {
                        int n = (int) Math.min(remaining, in.readableBytes());
                        remaining -= n;
                        onBody(in.readRetainedSlice(n));
                        if (remaining == 0) {
                            state = State.CHUNK_DATA_END;
                        }
                    }
                    case CHUNK_DATA_END -> {
                        if (in.readableBytes() < 2) {
                            return;
                        }
                        if (in.readByte() != '\r' || in.readByte() != '\n') {
                            throw new ParseError(400, "invalid chunk: data not followed by CRLF");
                        }
                        state = State.CHUNK_SIZE;
                    }
                    case TRAILERS -> {
                        if (!readHeaderLine(in, true)) {
                            return;
                        }
                    }
                    case DONE, FAILED -> {
                        return;
                    }
                }
            }
        } catch (ParseError e) {
            state = State.FAILED;
            onError(e.status, e.getMessage());
        }
    }

    /** The peer closed: completes a close-delimited body, reports a truncated message. */
    public final void connectionClosed() {
        if (state == State.BODY_UNTIL_CLOSE) {
            finish();
        } else if (state != State.DONE && state != State.FAILED && !isIdle()) {
            state = State.FAILED;
            onError(0, "connection closed before the message was complete");
        }
    }

    private void finish() {
        state = State.DONE;
        onMessageComplete(trailers);
    }

    /** Finds a complete CRLF line at the reader index; returns its length without CRLF, or -1. */
    private int lineLength(ByteBuf in, int limit, int overLimitStatus, String what)
            throws ParseError {
        int start = in.readerIndex();
        // bytes before `scanned` were searched on an earlier read: a line trickled in byte by
        // byte costs linear, not quadratic, time
        int from = Math.min(scanned, in.readableBytes());
        // indexOf scans a word at a time (SWAR), forEachByte a byte at a time
        int lf = in.indexOf(start + from, in.writerIndex(), (byte) '\n');
        if (lf < 0) {
            if (in.readableBytes() > limit) {
                throw new ParseError(overLimitStatus, what + " too large");
            }
            scanned = in.readableBytes();
            return -1;
        }
        scanned = 0;
        int len = lf - start;
        if (len + 1 > limit) {
            throw new ParseError(overLimitStatus, what + " too large");
        }
        if (len == 0 || in.getByte(lf - 1) != '\r') {
            throw new ParseError(400, "bare LF in " + what);
        }
        return len - 1;
    }

    private boolean readStartLine(ByteBuf in) throws ParseError {
        int len = lineLength(in, maxHeaderBytes, startLineTooLongStatus(), "start line");
        if (len < 0) {
            return false;
        }
        int start = in.readerIndex();
        in.skipBytes(len + 2);
        if (len == 0) {
            // RFC 9112 2.2: at least one empty line before the start line should be ignored.
            if (++emptyLinesBeforeStart > 4) {
                throw new ParseError(400, "too many empty lines before the start line");
            }
            return true;
        }
        headerBytes += len + 2;
        // parse a heap copy of the line, as for header lines: one memcpy, then plain array reads
        byte[] b = line(len);
        in.getBytes(start, b, 0, len);
        checkNoCtl(b, 0, len, "start line");
        parseStartLine(b, len);
        headers = new HeaderMap(16);
        state = State.HEADERS;
        return true;
    }

    private boolean readHeaderLine(ByteBuf in, boolean trailer) throws ParseError {
        int len = lineLength(in, maxHeaderBytes - headerBytes + 2, 431, "header section");
        if (len < 0) {
            return false;
        }
        int start = in.readerIndex();
        in.skipBytes(len + 2);
        headerBytes += len + 2;
        if (headerBytes > maxHeaderBytes) {
            throw new ParseError(431, "header section too large");
        }
        HeaderMap target = trailer ? trailers : headers;
        if (len == 0) {
            if (trailer) {
                finish();
            } else {
                headersComplete();
            }
            return true;
        }
        // scan a heap copy of the line: one memcpy instead of a checked ByteBuf access per byte
        byte[] b = line(len);
        in.getBytes(start, b, 0, len);
        if (b[0] == ' ' || b[0] == '\t') {
            throw new ParseError(400, "obsolete line folding");
        }
        int colon = -1;
        for (int i = 0; i < len; i++) {
            int c = b[i] & 0xff;
            if (c == ':') {
                colon = i;
                break;
            }
            if (!TCHAR[c]) {
                throw new ParseError(
                        400,
                        c == ' ' || c == '\t'
                                ? "whitespace before the colon in a header field"
                                : "invalid character in a header name");
            }
        }
        if (colon <= 0) {
            throw new ParseError(
                    400, colon < 0 ? "header field without a colon" : "empty header name");
        }
        int vs = colon + 1;
        int ve = len;
        while (vs < ve && (b[vs] == ' ' || b[vs] == '\t')) {
            vs++;
        }
        while (ve > vs && (b[ve - 1] == ' ' || b[ve - 1] == '\t')) {
            ve--;
        }
        for (int i = vs; i < ve; i++) {
            int c = b[i] & 0xff;
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw new ParseError(400, ctlMessage(c, "header value"));
            }
        }
        if (target.size() >= maxHeaders) {
            throw new ParseError(431, "too many header fields");
        }
        target.add(
                KnownNames.lowerName(b, 0, colon),
                new String(b, vs, ve - vs, StandardCharsets.ISO_8859_1));
        return true;
    }

    private byte[] lineScratch = new byte[256];

    private byte[] line(int len) {
        if (lineScratch.length < len) {
            lineScratch = new byte[Math.max(len, lineScratch.length * 2)];
        }
        return lineScratch;
    }

    private static String ctlMessage(int c, String what) {
        return c == 0
                ? "NUL in " + what
                : c == '\r' ? "bare CR in " + what : "control character in " + what;
    }

    private static boolean isOws(byte b) {
        return b == ' ' || b == '\t';
    }

    /**
     * Rejects NUL, bare CR and other control characters (HTAB allowed) in {@code line[from, to)}.
     */
    private static void checkNoCtl(byte[] line, int from, int to, String what) throws ParseError {
        for (int i = from; i < to; i++) {
            int b = line[i] & 0xff;
            if ((b < 0x20 && b != '\t') || b == 0x7f) {
                throw new ParseError(
                        400,
                        b == 0
                                ? "NUL in " + what
                                : b == '\r'
                                        ? "bare CR in " + what
                                        : "control character in " + what);
            }
        }
    }

    private void headersComplete() throws ParseError {
        framing = decideFraming(headers);
        switch (framing) {
            case NONE -> {
                state = State.DONE;
                onHeaders(headers);
                if (state == State.DONE) {
                    onMessageComplete(null);
                }
            }
            case CONTENT_LENGTH -> {
                state = State.BODY_FIXED;
                onHeaders(headers);
            }
            case CHUNKED -> {
                state = State.CHUNK_SIZE;
                onHeaders(headers);
            }
            case UNTIL_CLOSE -> {
                state = State.BODY_UNTIL_CLOSE;
                onHeaders(headers);
            }
        }
    }

    /** Sets the fixed body length for {@link Framing#CONTENT_LENGTH}. */
    protected final void expectBodyLength(long length) {
        remaining = length;
    }

    /** Number of body bytes still expected for a content-length body. */
    public final long remainingBodyBytes() {
        return remaining;
    }

    /** Parses a Content-Length field set strictly: exactly one value of 1 to 18 digits. */
    protected static long contentLength(HeaderMap h) throws ParseError {
        int n = h.count("content-length");
        if (n == 0) {
            return -1;
        }
        if (n > 1) {
            throw new ParseError(400, "multiple content-length headers");
        }
        String v = h.get("content-length");
        if (v.isEmpty() || v.length() > 18) {
            throw new ParseError(400, "invalid content-length");
        }
        long len = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                throw new ParseError(400, "invalid content-length");
            }
            len = len * 10 + (c - '0');
        }
        return len;
    }

    /**
     * Whether the Transfer-Encoding field set is exactly {@code chunked}; errors otherwise: {@code
     * malformedStatus} when it is not a list of transfer-codings, {@code unsupportedStatus} when it
     * is a valid list other than {@code chunked}.
     */
    protected static boolean chunked(HeaderMap h, int malformedStatus, int unsupportedStatus)
            throws ParseError {
        int n = h.count("transfer-encoding");
        if (n == 0) {
            return false;
        }
        if (n > 1) {
            throw new ParseError(malformedStatus, "multiple transfer-encoding headers");
        }
        String v = h.get("transfer-encoding").trim();
        if (!isCodingList(v)) {
            throw new ParseError(malformedStatus, "malformed transfer-encoding \"" + v + "\"");
        }
        if (!v.equalsIgnoreCase("chunked")) {
            throw new ParseError(unsupportedStatus, "unsupported transfer-encoding \"" + v + "\"");
        }
        return true;
    }

    /**
     * Whether {@code v} is a non-empty list of transfer-codings (RFC 9112 7): each element a token,
     * optionally followed by OWS {@code ;} and parameters; no empty elements.
     */
    private static boolean isCodingList(String v) {
        for (String element : v.split(",", -1)) {
            String e = element.strip();
            int i = 0;
            while (i < e.length() && e.charAt(i) < 256 && TCHAR[e.charAt(i)]) {
                i++;
            }
            if (i == 0) {
                return false;
            }
            String rest = e.substring(i).strip();
            if (!rest.isEmpty() && rest.charAt(0) != ';') {
                return false;
            }
        }
        return true;
    }

    private boolean readChunkSize(ByteBuf in) throws ParseError {
        int len = lineLength(in, 4096, 400, "chunk size line");
        if (len < 0) {
            return false;
        }
        byte[] b = line(len);
        in.getBytes(in.readerIndex(), b, 0, len);
        in.skipBytes(len + 2);
        long size = 0;
        int i = 0;
        int digits = 0;
        for (; i < len; i++) {
            int d = Character.digit(b[i], 16);
            if (d < 0) {
                break;
            }
            if (++digits > 15) {
                throw new ParseError(400, "invalid chunk size");
            }
            size = size * 16 + d;
        }
        if (digits == 0) {
            throw new ParseError(400, "invalid chunk size");
        }
        // what may follow: BWS ; chunk-ext (RFC 9112 7.1.1), no other characters
        int j = i;
        while (j < len && isOws(b[j])) {
            j++;
        }
        if (j < len && b[j] != ';') {
            throw new ParseError(400, "invalid chunk size");
        }
        checkNoCtl(b, i, len, "chunk extension");
        if (size == 0) {
            trailers = new HeaderMap(4);
            state = State.TRAILERS;
        } else {
            remaining = size;
            state = State.CHUNK_DATA;
        }
        return true;
    }

    /**
     * Parses the start line, {@code line[0, len)} (no CRLF, no control characters), and records it.
     * {@code line} is the parser's scratch array: valid only during the call.
     */
    protected abstract void parseStartLine(byte[] line, int len) throws ParseError;

    /** Status answered when the start line exceeds the header limit (414 for requests). */
    protected abstract int startLineTooLongStatus();

    /** Decides the body framing from the complete header section, validating it. */
    protected abstract Framing decideFraming(HeaderMap headers) throws ParseError;

    /** The header section is complete and valid. */
    protected abstract void onHeaders(HeaderMap headers);

    /** A piece of body; the callee owns (must release) {@code data}. */
    protected abstract void onBody(ByteBuf data);

    /** The message is complete; {@code trailers} is null or the (maybe empty) trailer section. */
    protected abstract void onMessageComplete(HeaderMap trailers);

    /**
     * The message is malformed. {@code status} is the HTTP status to answer (0 when the peer closed
     * mid-message); the connection must be closed.
     */
    protected abstract void onError(int status, String reason);

    protected static String ascii(byte[] line, int start, int len) {
        return new String(line, start, len, StandardCharsets.ISO_8859_1);
    }

    /** Index of the first {@code c} in {@code line[from, to)}, or -1. */
    protected static int indexOf(byte[] line, int from, int to, byte c) {
        for (int i = from; i < to; i++) {
            if (line[i] == c) {
                return i;
            }
        }
        return -1;
    }
}
