package io.weir.tracing;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * A small blocking HTTP/1.1 client that POSTs to one endpoint over one kept-alive connection, for
 * the span exporters. It replaces the JDK's {@code HttpClient}, whose asynchronous machinery (a
 * selector thread, an executor, futures per exchange) cost more CPU per export than encoding the
 * spans: here an export is a write of the head, a write of the body and a read of the answer, on
 * the export thread.
 *
 * <p>Rules: {@code Content-Length} bodies; the answer's body is read and discarded (by {@code
 * Content-Length}, chunked, or to the end of the connection); {@code 1xx} answers are skipped; a
 * {@code Connection: close} answer or an HTTP/1.0 one without keep-alive closes the connection. A
 * reused connection that fails before any byte of the answer (the server closed it while idle) is
 * replaced and the request sent once more. {@code https://} endpoints use the JDK's default TLS
 * context with host name verification.
 *
 * <p>Time limit and connection: {@link SocketPoster}.
 *
 * <p>Threading: one thread at a time (the export thread).
 */
final class HttpPoster extends SocketPoster {
    private static final int MAX_HEAD = 64 * 1024;

    /** The request head up to the content length, and the line end after it. */
    private final byte[] headStart;

    private OutputStream out;
    private InputStream in;

    HttpPoster(URI endpoint, String contentType, Duration timeout) {
        super(endpoint, timeout);
        String path =
                endpoint.getRawPath() == null || endpoint.getRawPath().isEmpty()
                        ? "/"
                        : endpoint.getRawPath();
        if (endpoint.getRawQuery() != null) {
            path += "?" + endpoint.getRawQuery();
        }
        this.headStart =
                ("POST "
                                + path
                                + " HTTP/1.1\r\n"
                                + "Host: "
                                + endpoint.getRawAuthority()
                                + "\r\n"
                                + "User-Agent: weir\r\n"
                                + "Content-Type: "
                                + contentType
                                + "\r\n"
                                + "Content-Length: ")
                        .getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * POSTs {@code len} bytes of {@code body} from {@code off} and returns the answer's status.
     *
     * @throws IOException when there is no answer within the time limit
     */
    int post(byte[] body, int off, int len) throws IOException {
        send(body, off, len, List.of());
        return answer();
    }

    /**
     * Writes a POST of the first {@code len} bytes of {@code head} followed by every block's bytes
     * (written from the blocks themselves, no copy into one request) and returns without waiting
     * for its answer, which {@link #answer} reads later, before the next request; the time limit
     * runs from here to there. So an export thread that has nothing else to do until its next batch
     * waits for that batch only, not first for the answer (each wait is a sleep and a wake-up, tens
     * of microseconds of CPU on a virtual machine), and by the next batch the answer has long
     * arrived. The request's bytes are kept until its answer is read: {@code head} is copied, the
     * blocks must stay as they are until then (a request on a kept-alive connection the server has
     * closed is sent again).
     *
     * @throws IOException when the request cannot be written (the connection is then closed)
     * @throws IllegalStateException when the last request's answer was not read
     */
    void send(byte[] head, int len, List<SpanBlock> blocks) throws IOException {
        send(head, 0, len, blocks);
    }

    /** Whether a request was written and its answer not read yet. */
    boolean awaiting() {
        return sent != null;
    }

    /**
     * Reads the answer of the request written last, within its time limit, and returns its status.
     * A request on a kept-alive connection that ended before any byte of its answer (the server had
     * closed it while idle) is sent once more on a new connection.
     *
     * @throws IOException when there is no answer within the time limit
     * @throws IllegalStateException when no request waits for its answer
     */
    int answer() throws IOException {
        Request r = sent;
        if (r == null) {
            throw new IllegalStateException("no request waits for its answer");
        }
        sent = null;
        try {
            try {
                return answer(r.reused);
            } catch (StaleConnection | SocketException e) {
                if (!r.reused || timedOut()) {
                    throw e;
                }
                // the server closed the idle connection: once more on a new one
                disconnect();
                connect(r.deadline);
                write(r);
                return answer(false);
            }
        } catch (IOException e) {
            throw failed(e);
        } finally {
            end();
        }
    }

    /**
     * A request written and not yet answered: its head (with the body, or the blocks' envelope), a
     * body written after it (blocks empty) and the blocks, whether it went out on a reused
     * connection, and its deadline.
     */
    private record Request(
            byte[] head,
            byte[] body,
            int off,
            int len,
            List<SpanBlock> blocks,
            boolean reused,
            long deadline) {}

    /** The request whose answer {@link #answer} reads next, or null. */
    private Request sent;

    private void send(byte[] body, int off, int len, List<SpanBlock> blocks) throws IOException {
        if (sent != null) {
            throw new IllegalStateException("the last request's answer was not read");
        }
        long deadline = begin();
        try {
            boolean reused = connected();
            if (!reused) {
                connect(deadline);
            }
            Request r = request(body, off, len, blocks, reused, deadline);
            try {
                write(r);
            } catch (SocketException e) {
                if (!reused || timedOut()) {
                    throw e;
                }
                // the server closed the idle connection: once more on a new one
                disconnect();
                connect(deadline);
                r = request(body, off, len, blocks, false, deadline);
                write(r);
            }
            sent = r;
        } catch (IOException e) {
            end();
            throw failed(e);
        }
    }

    private void connect(long deadline) throws IOException {
        Socket s = open(deadline, null);
        out = s.getOutputStream();
        in = new BufferedInputStream(s.getInputStream(), 8192);
    }

    private Request request(
            byte[] body, int off, int len, List<SpanBlock> blocks, boolean reused, long deadline) {
        long total = len;
        for (SpanBlock b : blocks) {
            total += b.length();
        }
        byte[] length = (total + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        int headLen = headStart.length + length.length;
        // before blocks, the body is a short header of theirs: one write for both, since with
        // TCP_NODELAY each write is a segment
        byte[] head = new byte[headLen + (blocks.isEmpty() ? 0 : len)];
        System.arraycopy(headStart, 0, head, 0, headStart.length);
        System.arraycopy(length, 0, head, headStart.length, length.length);
        if (blocks.isEmpty()) {
            return new Request(head, body, off, len, blocks, reused, deadline);
        }
        System.arraycopy(body, off, head, headLen, len);
        return new Request(head, null, 0, 0, blocks, reused, deadline);
    }

    private void write(Request r) throws IOException {
        out.write(r.head);
        if (r.body != null) {
            out.write(r.body, r.off, r.len);
        }
        for (SpanBlock b : r.blocks) {
            out.write(b.bytes(), 0, b.length());
        }
        out.flush();
    }

    /**
     * Reads one answer (skipping {@code 1xx} ones) and its body; returns its status. {@code
     * mayBeStale}: the connection was reused, so an end before any byte means it was closed idle.
     */
    private int answer(boolean mayBeStale) throws IOException {
        while (true) {
            String status = line(mayBeStale);
            mayBeStale = false;
            int code = statusCode(status);
            boolean http10 = status.startsWith("HTTP/1.0");
            long contentLength = -1;
            boolean chunked = false;
            boolean close = http10;
            int headBytes = status.length();
            String h;
            while (!(h = line(false)).isEmpty()) {
                headBytes += h.length() + 2;
                if (headBytes > MAX_HEAD) {
                    throw new AnsweredException("answer head over " + MAX_HEAD + " bytes");
                }
                int colon = h.indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = h.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> {
                        try {
                            contentLength = Long.parseLong(value);
                        } catch (NumberFormatException e) {
                            throw new AnsweredException("bad content-length: " + value);
                        }
                    }
                    case "transfer-encoding" ->
                            chunked = value.toLowerCase(Locale.ROOT).endsWith("chunked");
                    case "connection" -> {
                        String v = value.toLowerCase(Locale.ROOT);
                        if (v.contains("close")) {
                            close = true;
                        } else if (http10 && v.contains("keep-alive")) {
                            close = false;
                        }
                    }
                    default -> {
                        // not needed
                    }
                }
            }
            if (code >= 100 && code < 200) {
                continue; // an interim answer: the final one follows
            }
            if (code == 204 || code == 304) {
                // no body
            } else if (chunked) {
                skipChunks();
            } else if (contentLength >= 0) {
                skip(contentLength);
            } else {
                byte[] sink = new byte[8192];
                while (in.read(sink) >= 0) { // the body ends with the connection
                    continue;
                }
                close = true;
            }
            if (close) {
                disconnect();
            }
            return code;
        }
    }

    private static int statusCode(String status) throws IOException {
        if (!status.startsWith("HTTP/1.") || status.length() < 12 || status.charAt(8) != ' ') {
            throw new AnsweredException("not an HTTP/1.x answer: " + abbreviate(status));
        }
        try {
            return Integer.parseInt(status.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new AnsweredException("bad status line: " + abbreviate(status));
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    private void skipChunks() throws IOException {
        while (true) {
            String sizeLine = line(false);
            int semi = sizeLine.indexOf(';');
            String hex = (semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim();
            long size;
            try {
                size = Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new AnsweredException("bad chunk size: " + abbreviate(sizeLine));
            }
            if (size == 0) {
                while (!line(false).isEmpty()) { // trailers
                    continue;
                }
                return;
            }
            skip(size);
            if (!line(false).isEmpty()) {
                throw new AnsweredException("chunk not followed by CRLF");
            }
        }
    }

    private void skip(long n) throws IOException {
        while (n > 0) {
            long k = in.skip(n);
            if (k <= 0) {
                if (in.read() < 0) {
                    throw new AnsweredException("answer body ended early");
                }
                k = 1;
            }
            n -= k;
        }
    }

    /**
     * One line without its CRLF (a bare LF is accepted). {@code first}: an end of the connection
     * before any byte is a {@link StaleConnection}.
     */
    private String line(boolean first) throws IOException {
        StringBuilder b = new StringBuilder(64);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int n = b.length();
                if (n > 0 && b.charAt(n - 1) == '\r') {
                    b.setLength(n - 1);
                }
                return b.toString();
            }
            if (b.length() >= MAX_HEAD) {
                throw new AnsweredException("answer line over " + MAX_HEAD + " bytes");
            }
            b.append((char) c);
        }
        if (first && b.length() == 0) {
            throw new StaleConnection();
        }
        throw new AnsweredException(
                b.length() == 0 ? "connection closed without an answer" : "answer cut short");
    }

    @Override
    void dropped() {
        out = null;
        in = null;
    }

    @Override
    public void close() {
        if (sent != null) { // an answer never read: its time limit ends with the connection
            sent = null;
            end();
        }
        super.close();
    }

    /** A reused connection ended before any byte of the answer: the server had closed it. */
    private static final class StaleConnection extends EOFException {
        StaleConnection() {
            super("connection closed before the answer");
        }
    }

    /** The server answered something: not to be sent again. */
    private static final class AnsweredException extends IOException {
        AnsweredException(String message) {
            super(message);
        }
    }
}
