package io.weir.tracing;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A small blocking HTTP/2 client that sends unary gRPC calls to one method over one connection, for
 * the OTLP/gRPC exporter: cleartext with prior knowledge for {@code http://}, TLS with ALPN {@code
 * h2} for {@code https://}. It replaces OkHttp, whose reader thread, task runner and watchdog cost
 * more CPU per export than encoding the spans (about 10% of the proxy's CPU at 100% sampling here):
 * a call is the frames written by the export thread and the answer read by it.
 *
 * <p>HTTP/2 (RFC 9113): one stream at a time; the request is a HEADERS frame (a fixed header block:
 * no dynamic table is used to encode) and DATA frames within the peer's flow-control windows and
 * frame size; the answer's HEADERS, DATA and trailers are read, with SETTINGS and PING
 * acknowledged, WINDOW_UPDATE applied, the answer's DATA given back to the windows, RST_STREAM and
 * GOAWAY honoured. Header blocks are decoded with {@link Hpack}. A reused connection that fails
 * before any frame of the answer, or that the server refused the stream on (GOAWAY below it,
 * RST_STREAM REFUSED_STREAM), is replaced and the call sent once more.
 *
 * <p>Time limit and connection: {@link SocketPoster}.
 */
final class GrpcPoster extends SocketPoster {
    private static final byte[] PREFACE =
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int DATA = 0;
    private static final int HEADERS = 1;
    private static final int RST_STREAM = 3;
    private static final int SETTINGS = 4;
    private static final int PUSH_PROMISE = 5;
    private static final int PING = 6;
    private static final int GOAWAY = 7;
    private static final int WINDOW_UPDATE = 8;
    private static final int CONTINUATION = 9;
    private static final int END_STREAM = 0x1;
    private static final int ACK = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int PADDED = 0x8;
    private static final int PRIORITY_FLAG = 0x20;
    private static final int REFUSED_STREAM = 0x7;
    private static final int CANCEL = 0x8;
    private static final int DEFAULT_WINDOW = 65_535;

    /** Our receive windows: large, topped up as answers use them. */
    private static final int RECEIVE_WINDOW = 1 << 24;

    /** The largest frame and header block we accept. */
    private static final int MAX_FRAME = 1 << 14;

    private static final int MAX_HEADER_BLOCK = 64 * 1024;

    private final byte[] headerBlock;

    private OutputStream out;
    private InputStream in;
    private Hpack hpack;

    // connection state
    private int nextStream;
    private long sendWindow; // connection-level, ours to send
    private int peerInitialWindow;
    private int peerMaxFrame;
    private long receiveWindow; // connection-level, the peer's to send
    private boolean goingAway;

    // the call in progress
    private int stream;
    private long streamSendWindow;
    private long streamReceiveWindow;
    private final byte[] frameHeader = new byte[9];
    private byte[] payload = new byte[MAX_FRAME];

    /** The answer to one call. */
    record Answer(int httpStatus, String grpcStatus, String grpcMessage) {}

    GrpcPoster(URI endpoint, String path, String contentType, Duration timeout) {
        super(endpoint, timeout);
        this.headerBlock = headerBlock(path, endpoint.getRawAuthority(), contentType, tls);
    }

    /**
     * The request's header block, the same for every call: indexed {@code :method POST} and {@code
     * :scheme}, then literals without indexing (static-table names where there are some).
     */
    private static byte[] headerBlock(
            String path, String authority, String contentType, boolean tls) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.write(0x80 | 3); // :method POST
        b.write(0x80 | (tls ? 7 : 6)); // :scheme https / http
        literal(b, 4, null, path); // :path
        literal(b, 1, null, authority); // :authority
        literal(b, 31, null, contentType); // content-type
        literal(b, 0, "te", "trailers");
        literal(b, 58, null, "weir"); // user-agent
        return b.toByteArray();
    }

    /** A literal field without indexing: name by static index, or (index 0) by string. */
    private static void literal(
            java.io.ByteArrayOutputStream b, int nameIndex, String name, String value) {
        integer(b, 0x00, 4, nameIndex);
        if (nameIndex == 0) {
            string(b, name);
        }
        string(b, value);
    }

    private static void string(java.io.ByteArrayOutputStream b, String s) {
        byte[] v = s.getBytes(StandardCharsets.ISO_8859_1);
        integer(b, 0x00, 7, v.length); // not Huffman-coded
        b.write(v, 0, v.length);
    }

    private static void integer(java.io.ByteArrayOutputStream b, int bits, int n, int v) {
        int max = (1 << n) - 1;
        if (v < max) {
            b.write(bits | v);
            return;
        }
        b.write(bits | max);
        v -= max;
        while (v >= 0x80) {
            b.write((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        b.write(v);
    }

    /**
     * Sends {@code len} bytes of {@code message} from {@code off} as one uncompressed gRPC message
     * and returns the answer.
     *
     * @throws IOException when there is no complete answer within the time limit
     */
    Answer call(byte[] message, int off, int len) throws IOException {
        send(message, off, len);
        return answer();
    }

    /**
     * Sends a call like {@link #call} and returns without reading its answer, which {@link #answer}
     * reads later, before the next call; the time limit runs from here to there (see {@link
     * HttpPoster#send} for why). {@code message} must stay as it is until then: a call on a reused
     * connection the server had closed, or whose stream it refused, is sent again.
     *
     * @throws IOException when the call cannot be sent (the connection is then closed)
     * @throws IllegalStateException when the last call's answer was not read
     */
    void send(byte[] message, int off, int len) throws IOException {
        if (sent != null) {
            throw new IllegalStateException("the last call's answer was not read");
        }
        long deadline = begin();
        try {
            boolean reused = connected();
            if (!reused) {
                connect(deadline);
            }
            Answer early;
            try {
                early = request(message, off, len);
            } catch (Retry | SocketException | EOFException e) {
                if (!mayRetry(e, reused)) {
                    throw e;
                }
                // the server closed the idle connection, or did not take the stream: once more
                disconnect();
                connect(deadline);
                reused = false;
                early = request(message, off, len);
            }
            sent = new Call(message, off, len, reused, deadline, early);
        } catch (IOException e) {
            end();
            throw failed(e);
        }
    }

    /** Whether a call was sent and its answer not read yet. */
    boolean awaiting() {
        return sent != null;
    }

    /**
     * Reads the answer of the call sent last, within its time limit.
     *
     * @throws IOException when there is no complete answer within the time limit
     * @throws IllegalStateException when no call waits for its answer
     */
    Answer answer() throws IOException {
        Call c = sent;
        if (c == null) {
            throw new IllegalStateException("no call waits for its answer");
        }
        sent = null;
        try {
            try {
                return response(c.early);
            } catch (Retry | SocketException | EOFException e) {
                if (!mayRetry(e, c.reused)) {
                    throw e;
                }
                disconnect(); // as in send: once more on a new connection
                connect(c.deadline);
                return response(request(c.message, c.off, c.len));
            }
        } catch (IOException e) {
            throw failed(e);
        } finally {
            end();
        }
    }

    /**
     * A call sent and not yet answered: its message, whether it went out on a reused connection,
     * its deadline, and an answer that came while it was being sent (else null).
     */
    private record Call(
            byte[] message, int off, int len, boolean reused, long deadline, Answer early) {}

    /** The call whose answer {@link #answer} reads next, or null. */
    private Call sent;

    /**
     * Whether a call that failed with {@code e} may be sent again: the server refused its stream,
     * or a reused connection ended before any frame of the answer; never past the time limit.
     */
    private boolean mayRetry(IOException e, boolean reused) {
        return (e instanceof Retry || (reused && !answerStarted)) && !timedOut();
    }

    private void connect(long deadline) throws IOException {
        Socket s = open(deadline, "h2");
        try {
            out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
            in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
            hpack = new Hpack(4096);
            nextStream = 1;
            sendWindow = DEFAULT_WINDOW;
            peerInitialWindow = DEFAULT_WINDOW;
            peerMaxFrame = MAX_FRAME;
            receiveWindow = DEFAULT_WINDOW;
            goingAway = false;
            out.write(PREFACE);
            byte[] settings = {
                0,
                2,
                0,
                0,
                0,
                0, // ENABLE_PUSH 0
                0,
                4,
                (byte) (RECEIVE_WINDOW >>> 24),
                (byte) (RECEIVE_WINDOW >>> 16),
                0,
                0
            }; // INITIAL_WINDOW_SIZE
            frame(SETTINGS, 0, 0, settings, 0, settings.length);
            windowUpdate(0, RECEIVE_WINDOW - DEFAULT_WINDOW);
            receiveWindow = RECEIVE_WINDOW;
        } catch (IOException e) {
            disconnect();
            throw e;
        }
    }

    /**
     * Opens a stream on the current connection and sends the call on it; returns an answer that
     * came before the whole request was sent (an error status), else null.
     */
    private Answer request(byte[] message, int off, int len) throws IOException {
        if (goingAway || nextStream < 0) {
            throw new Retry("the connection is closing");
        }
        stream = nextStream;
        nextStream += 2;
        answerStarted = false;
        streamSendWindow = peerInitialWindow;
        streamReceiveWindow = RECEIVE_WINDOW;
        frame(HEADERS, END_HEADERS, stream, headerBlock, 0, headerBlock.length);
        byte[] prefix = {
            0, (byte) (len >>> 24), (byte) (len >>> 16), (byte) (len >>> 8), (byte) len
        };
        long total = 5L + len;
        long written = 0;
        Answer early = null;
        while (written < total) {
            long room = Math.min(Math.min(sendWindow, streamSendWindow), peerMaxFrame);
            if (room <= 0) {
                out.flush();
                early = readFrame(); // until a WINDOW_UPDATE (or the end of the stream)
                if (early != null) {
                    break; // answered before the whole request (an error status)
                }
                continue;
            }
            int n = (int) Math.min(room, total - written);
            boolean last = written + n == total;
            header(n, DATA, last ? END_STREAM : 0, stream);
            int p = 0;
            if (written < 5) { // the gRPC message prefix leads the first frame
                int k = (int) Math.min(5 - written, n);
                out.write(prefix, (int) written, k);
                p = k;
            }
            long bodyAt = written + p - 5;
            out.write(message, off + (int) bodyAt, n - p);
            written += n;
            sendWindow -= n;
            streamSendWindow -= n;
        }
        out.flush();
        return early;
    }

    /**
     * The answer of the stream {@link #request} opened last: {@code early} when it came while the
     * request was sent (the stream is then cancelled), else read now.
     */
    private Answer response(Answer early) throws IOException {
        Answer a = early;
        while (a == null) {
            a = readFrame();
        }
        if (early != null) { // we did not end our side: cancel it
            frame(RST_STREAM, 0, stream, new byte[] {0, 0, 0, CANCEL}, 0, 4);
            out.flush();
        }
        if (goingAway) {
            disconnect(); // no new streams on it: the next call connects anew
        }
        return a;
    }

    // ---- the answer -------------------------------------------------------------------------

    private int status = -1;
    private String grpcStatus;
    private String grpcMessage;
    private byte[] block = new byte[1024];
    private int blockLen;
    private boolean blockEndsStream;
    private boolean inHeaders;

    /** A frame of the call's stream arrived: sending it again could duplicate it. */
    private boolean answerStarted;

    /**
     * Reads and handles one frame; returns the answer once the call's stream has ended, else null.
     */
    private Answer readFrame() throws IOException {
        readFully(frameHeader, 0, 9);
        int len =
                ((frameHeader[0] & 0xff) << 16)
                        | ((frameHeader[1] & 0xff) << 8)
                        | (frameHeader[2] & 0xff);
        int type = frameHeader[3] & 0xff;
        int flags = frameHeader[4] & 0xff;
        int id =
                ((frameHeader[5] & 0x7f) << 24)
                        | ((frameHeader[6] & 0xff) << 16)
                        | ((frameHeader[7] & 0xff) << 8)
                        | (frameHeader[8] & 0xff);
        if (len > MAX_FRAME) {
            throw new IOException("HTTP/2 frame of " + len + " bytes over our maximum");
        }
        readFully(payload, 0, len);
        if (id == stream && stream != 0) {
            answerStarted = true;
        }
        if (inHeaders && type != CONTINUATION) {
            throw new IOException("HTTP/2: a header block not followed by CONTINUATION");
        }
        switch (type) {
            case DATA -> {
                giveBack(len, id);
                if (id == stream && (flags & END_STREAM) != 0) {
                    return ended();
                }
            }
            case HEADERS, CONTINUATION -> {
                if (type == HEADERS) {
                    int p = 0;
                    int pad = 0;
                    if ((flags & PADDED) != 0) {
                        pad = payload[p++] & 0xff;
                    }
                    if ((flags & PRIORITY_FLAG) != 0) {
                        p += 5;
                    }
                    if (p + pad > len) {
                        throw new IOException("HTTP/2: bad HEADERS padding");
                    }
                    blockLen = 0;
                    blockEndsStream = (flags & END_STREAM) != 0;
                    appendBlock(p, len - p - pad);
                } else {
                    if (!inHeaders) {
                        throw new IOException("HTTP/2: CONTINUATION without HEADERS");
                    }
                    appendBlock(0, len);
                }
                inHeaders = (flags & END_HEADERS) == 0;
                if (!inHeaders) {
                    List<String> fields = new ArrayList<>();
                    hpack.decode(block, 0, blockLen, fields); // every block, for the table
                    if (id == stream) {
                        fields(fields);
                        if (blockEndsStream) {
                            return ended();
                        }
                    }
                }
            }
            case RST_STREAM -> {
                if (id == stream) {
                    int code = int32(payload, 0);
                    if (code == REFUSED_STREAM) {
                        throw new Retry("stream refused");
                    }
                    throw new IOException("HTTP/2 stream reset by the server, error " + code);
                }
            }
            case SETTINGS -> {
                if ((flags & ACK) == 0) {
                    settings(len);
                    frame(SETTINGS, ACK, 0, payload, 0, 0);
                    out.flush();
                }
            }
            case PING -> {
                if (len != 8) {
                    throw new IOException("HTTP/2: PING of " + len + " bytes");
                }
                if ((flags & ACK) == 0) {
                    frame(PING, ACK, 0, payload, 0, 8);
                    out.flush();
                }
            }
            case GOAWAY -> {
                goingAway = true;
                int lastPeerStream = int32(payload, 0) & 0x7fffffff;
                if (stream > lastPeerStream) {
                    throw new Retry("the server is closing the connection (GOAWAY)");
                }
            }
            case WINDOW_UPDATE -> {
                int inc = int32(payload, 0) & 0x7fffffff;
                if (id == 0) {
                    sendWindow += inc;
                } else if (id == stream) {
                    streamSendWindow += inc;
                }
            }
            case PUSH_PROMISE -> throw new IOException("HTTP/2: PUSH_PROMISE though push is off");
            default -> {
                // PRIORITY and unknown types are ignored
            }
        }
        return null;
    }

    private void appendBlock(int from, int n) throws IOException {
        if (blockLen + n > MAX_HEADER_BLOCK) {
            throw new IOException("HTTP/2: answer headers over " + MAX_HEADER_BLOCK + " bytes");
        }
        if (blockLen + n > block.length) {
            block = java.util.Arrays.copyOf(block, Math.max(block.length * 2, blockLen + n));
        }
        System.arraycopy(payload, from, block, blockLen, n);
        blockLen += n;
    }

    private void fields(List<String> f) {
        for (int i = 0; i + 1 < f.size(); i += 2) {
            switch (f.get(i)) {
                case ":status" -> {
                    try {
                        status = Integer.parseInt(f.get(i + 1));
                    } catch (NumberFormatException e) {
                        status = 0;
                    }
                }
                case "grpc-status" -> grpcStatus = f.get(i + 1);
                case "grpc-message" -> grpcMessage = f.get(i + 1);
                default -> {
                    // not needed
                }
            }
        }
    }

    private Answer ended() {
        Answer a = new Answer(status, grpcStatus, grpcMessage);
        status = -1;
        grpcStatus = null;
        grpcMessage = null;
        stream = 0;
        return a;
    }

    /** DATA of {@code n} bytes arrived: the windows are topped up once half is used. */
    private void giveBack(int n, int id) throws IOException {
        receiveWindow -= n;
        if (receiveWindow < RECEIVE_WINDOW / 2) {
            windowUpdate(0, (int) (RECEIVE_WINDOW - receiveWindow));
            receiveWindow = RECEIVE_WINDOW;
            out.flush();
        }
        if (id == stream) {
            streamReceiveWindow -= n;
            if (streamReceiveWindow < RECEIVE_WINDOW / 2) {
                windowUpdate(stream, (int) (RECEIVE_WINDOW - streamReceiveWindow));
                streamReceiveWindow = RECEIVE_WINDOW;
                out.flush();
            }
        }
    }

    private void settings(int len) throws IOException {
        if (len % 6 != 0) {
            throw new IOException("HTTP/2: SETTINGS of " + len + " bytes");
        }
        for (int p = 0; p < len; p += 6) {
            int key = ((payload[p] & 0xff) << 8) | (payload[p + 1] & 0xff);
            int value = int32(payload, p + 2);
            switch (key) {
                case 4 -> { // INITIAL_WINDOW_SIZE: also moves the open stream's window
                    if (value < 0) {
                        throw new IOException("HTTP/2: initial window over 2^31-1");
                    }
                    if (stream != 0) {
                        streamSendWindow += (long) value - peerInitialWindow;
                    }
                    peerInitialWindow = value;
                }
                case 5 -> { // MAX_FRAME_SIZE
                    if (value < MAX_FRAME || value > (1 << 24) - 1) {
                        throw new IOException("HTTP/2: bad max frame size " + value);
                    }
                    peerMaxFrame = value;
                }
                default -> {
                    // HEADER_TABLE_SIZE (we index nothing), MAX_CONCURRENT_STREAMS (we use one),
                    // ENABLE_PUSH, MAX_HEADER_LIST_SIZE, unknown
                }
            }
        }
    }

    private void readFully(byte[] b, int off, int n) throws IOException {
        while (n > 0) {
            int k = in.read(b, off, n);
            if (k < 0) {
                throw new EOFException("the server closed the connection");
            }
            off += k;
            n -= k;
        }
    }

    private static int int32(byte[] b, int p) {
        return ((b[p] & 0xff) << 24)
                | ((b[p + 1] & 0xff) << 16)
                | ((b[p + 2] & 0xff) << 8)
                | (b[p + 3] & 0xff);
    }

    private void header(int len, int type, int flags, int id) throws IOException {
        byte[] h = frameHeader;
        h[0] = (byte) (len >>> 16);
        h[1] = (byte) (len >>> 8);
        h[2] = (byte) len;
        h[3] = (byte) type;
        h[4] = (byte) flags;
        h[5] = (byte) (id >>> 24);
        h[6] = (byte) (id >>> 16);
        h[7] = (byte) (id >>> 8);
        h[8] = (byte) id;
        out.write(h, 0, 9);
    }

    private void frame(int type, int flags, int id, byte[] b, int off, int len) throws IOException {
        header(len, type, flags, id);
        out.write(b, off, len);
    }

    private void windowUpdate(int id, int inc) throws IOException {
        byte[] b = {(byte) (inc >>> 24), (byte) (inc >>> 16), (byte) (inc >>> 8), (byte) inc};
        frame(WINDOW_UPDATE, 0, id, b, 0, 4);
    }

    @Override
    public void close() {
        if (sent != null) { // an answer never read: its time limit ends with the connection
            sent = null;
            end();
        }
        super.close();
    }

    @Override
    void dropped() {
        out = null;
        in = null;
        inHeaders = false;
        stream = 0;
        status = -1;
        grpcStatus = null;
        grpcMessage = null;
    }

    /** The call was not taken by the server (closed idle, refused, GOAWAY): safe to send again. */
    private static final class Retry extends IOException {
        Retry(String message) {
            super(message);
        }
    }
}
