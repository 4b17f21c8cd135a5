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
 * truncated or malformed responses): every accepted connection is given to the handler on its
 * own thread, and closed when the handler returns.
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

    @Override
    public void close() throws IOException {
        server.close();
        pool.shutdownNow();
    }
}
