package io.weir.kernel.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain-socket upstream on 127.0.0.1:0 for tests that need a misbehaving server (resets,
 * truncated or malformed responses): every accepted connection is given to the handler on its own
 * thread, and closed when the handler returns.
 */
public final class RawUpstream implements AutoCloseable {
    /** What to do with one accepted connection. */
    public interface Handler {
        void handle(Socket socket) throws Exception;
    }

    private final ServerSocket server;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final AtomicInteger connections = new AtomicInteger();

    public RawUpstream(Handler handler) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        pool.execute(
                () -> {
                    while (!server.isClosed()) {
                        Socket s;
                        try {
                            s = server.accept();
                        } catch (IOException e) {
                            return;
                        }
                        connections.incrementAndGet();
                        pool.execute(
                                () -> {
                                    try (Socket c = s) {
                                        c.setSoTimeout(10_000);
                                        handler.handle(c);
                                    } catch (Exception e) {
                                        // the test sees the effect on the proxy
                                    }
                                });
                    }
                });
    }

    public String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    public int connections() {
        return connections.get();
    }

    /** Reads a request head (up to and including the empty line) and returns it as text. */
    public static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int state = 0;
        int c;
        while (state < 4 && (c = in.read()) >= 0) {
            b.write(c);
            state =
                    switch (state) {
                        case 0, 2 -> c == '\r' ? state + 1 : 0;
                        case 1, 3 -> c == '\n' ? state + 1 : (c == '\r' ? 1 : 0);
                        default -> 0;
                    };
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** A chunked body as received: the decoded bytes and the raw trailer section. */
    public record Chunked(byte[] body, String trailers) {}

    /** Reads a chunked body after its head, up to and including the trailer section. */
    public static Chunked readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = readLine(in);
            int n = Integer.parseInt(size.split(";")[0].trim(), 16);
            if (n == 0) {
                StringBuilder trailers = new StringBuilder();
                String t;
                while (!(t = readLine(in)).isEmpty()) {
                    trailers.append(t).append("\r\n");
                }
                return new Chunked(body.toByteArray(), trailers.toString());
            }
            body.write(in.readNBytes(n));
            if (!readLine(in).isEmpty()) {
                throw new IOException("chunk data not followed by CRLF");
            }
        }
    }

    /** Reads one CRLF-terminated line, without the CRLF. */
    public static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int n = sb.length();
                if (n > 0 && sb.charAt(n - 1) == '\r') {
                    sb.setLength(n - 1);
                }
                return sb.toString();
            }
            sb.append((char) c);
        }
        throw new IOException("connection closed in a line");
    }

    @Override
    public void close() throws IOException {
        server.close();
        pool.shutdownNow();
    }
}
