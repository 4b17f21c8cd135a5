package io.weir.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gRPC client's HTTP/2 against a scripted server on a real socket: each accepted connection
 * runs the next script. The full exporter is tested against Netty's HTTP/2 server in distro.
 */
class GrpcPosterTest {
    private static final String PATH =
            "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

    private ServerSocket server;
    private final List<Throwable> serverErrors = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();

    /** One permit per connection the server has closed (its script done). */
    private final java.util.concurrent.Semaphore closed = new java.util.concurrent.Semaphore(0);

    interface Script {
        void run(Conn c) throws Exception;
    }

    /** One frame as read by the server. */
    record Frame(int type, int flags, int stream, byte[] payload) {}

    /** The server's side of one connection. */
    static final class Conn {
        final Socket s;
        final DataInputStream in;
        final OutputStream out;

        Conn(Socket s) throws IOException {
            this.s = s;
            this.in = new DataInputStream(s.getInputStream());
            this.out = s.getOutputStream();
            byte[] preface = new byte[24];
            in.readFully(preface);
            assertThat(new String(preface, StandardCharsets.US_ASCII))
                    .isEqualTo("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        }

        Frame read() throws IOException {
            byte[] h = new byte[9];
            in.readFully(h);
            int len = ((h[0] & 0xff) << 16) | ((h[1] & 0xff) << 8) | (h[2] & 0xff);
            byte[] p = new byte[len];
            in.readFully(p);
            int id =
                    ((h[5] & 0x7f) << 24)
                            | ((h[6] & 0xff) << 16)
                            | ((h[7] & 0xff) << 8)
                            | (h[8] & 0xff);
            return new Frame(h[3] & 0xff, h[4] & 0xff, id, p);
        }

        void write(int type, int flags, int stream, byte[] p) throws IOException {
            byte[] h = {
                (byte) (p.length >>> 16),
                (byte) (p.length >>> 8),
                (byte) p.length,
                (byte) type,
                (byte) flags,
                (byte) (stream >>> 24),
                (byte) (stream >>> 16),
                (byte) (stream >>> 8),
                (byte) stream
            };
            out.write(h);
            out.write(p);
            out.flush();
        }

        void settings(int... keyValues) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int i = 0; i < keyValues.length; i += 2) {
                b.write(keyValues[i] >>> 8);
                b.write(keyValues[i]);
                b.write(int32(keyValues[i + 1]), 0, 4);
            }
            write(4, 0, 0, b.toByteArray());
        }

        /**
         * Reads the client's frames up to the end of one request; with {@code window > 0} (the
         * windows' size, as the connection and a stream start with it) it checks the client never
         * sends past the stream's and the connection's windows, and opens both again only once they
         * are used up. Returns the request's header fields and body.
         */
        Request request(int window) throws IOException {
            List<String> fields = new ArrayList<>();
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            int stream = 0;
            long credit = window > 0 ? window : Long.MAX_VALUE;
            while (true) {
                Frame f = read();
                switch (f.type()) {
                    case 1 -> {
                        stream = f.stream();
                        new Hpack(4096).decode(f.payload(), 0, f.payload().length, fields);
                        assertThat(f.flags() & 0x4).as("END_HEADERS").isNotZero();
                    }
                    case 0 -> {
                        assertThat(f.stream()).isEqualTo(stream);
                        assertThat(f.payload().length).as("frame size").isLessThanOrEqualTo(16384);
                        credit -= f.payload().length;
                        assertThat(credit).as("within the windows").isNotNegative();
                        body.write(f.payload(), 0, f.payload().length);
                        if ((f.flags() & 1) != 0) {
                            return new Request(stream, fields, body.toByteArray());
                        }
                        if (window > 0 && credit == 0) {
                            write(8, 0, stream, int32(window)); // both windows are used up
                            write(8, 0, 0, int32(window));
                            credit = window;
                        }
                    }
                    default -> {
                        // SETTINGS, its ACK, WINDOW_UPDATE, PING ACK: not needed here
                    }
                }
            }
        }

        /** Reads (and drops) frames until the client closes the connection. */
        void awaitClose() throws IOException {
            try {
                while (true) {
                    read();
                }
            } catch (java.io.EOFException | java.net.SocketException closed) {
                // the client closed it
            }
        }

        void answer(int stream, String grpcStatus, String grpcMessage) throws IOException {
            write(1, 0x4, stream, new byte[] {(byte) 0x88}); // :status 200
            write(0, 0, stream, new byte[5]); // an empty response message
            write(1, 0x4 | 0x1, stream, trailers(grpcStatus, grpcMessage));
        }
    }

    record Request(int stream, List<String> fields, byte[] body) {}

    static byte[] int32(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    /** grpc-status (and grpc-message) as literals without indexing, new names. */
    static byte[] trailers(String status, String message) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        literal(b, "grpc-status", status);
        if (message != null) {
            literal(b, "grpc-message", message);
        }
        return b.toByteArray();
    }

    static void literal(ByteArrayOutputStream b, String name, String value) {
        b.write(0);
        b.write(name.length());
        b.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
        b.write(value.length());
        b.writeBytes(value.getBytes(StandardCharsets.US_ASCII));
    }

    private void serve(Script... scripts) throws IOException {
        server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread t =
                new Thread(
                        () -> {
                            for (Script script : scripts) {
                                try (Socket s = server.accept()) {
                                    connections.incrementAndGet();
                                    script.run(new Conn(s));
                                } catch (Throwable e) {
                                    if (!server.isClosed()) {
                                        serverErrors.add(e);
                                    }
                                } finally {
                                    closed.release();
                                }
                            }
                        },
                        "h2-script");
        t.setDaemon(true);
        t.start();
    }

    private GrpcPoster poster(Duration timeout) {
        return new GrpcPoster(
                URI.create("http://127.0.0.1:" + server.getLocalPort()),
                PATH,
                "application/grpc",
                timeout);
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    private static byte[] message(int n) {
        byte[] m = new byte[n];
        for (int i = 0; i < n; i++) {
            m[i] = (byte) (i * 7 + 3);
        }
        return m;
    }

    @Test
    void aCallKeepsToTheServersWindowAndFrameSizeAnswersPingsAndReadsTheTrailers()
            throws Exception {
        byte[] msg = message(150_000); // past the default windows (65,535) more than once
        List<Request> seen = new CopyOnWriteArrayList<>();
        serve(
                c -> {
                    c.settings(3, 100); // MAX_CONCURRENT_STREAMS, ignored
                    c.write(6, 0, 0, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}); // PING
                    Request r = c.request(65_535);
                    seen.add(r);
                    c.answer(r.stream(), "0", null);
                    Request r2 = c.request(0); // the connection is reused
                    seen.add(r2);
                    c.answer(r2.stream(), "0", null);
                    c.awaitClose();
                });
        try (GrpcPoster p = poster(Duration.ofSeconds(5))) {
            assertThat(p.call(msg, 0, msg.length)).isEqualTo(new GrpcPoster.Answer(200, "0", null));
            assertThat(p.call(msg, 10, 100)).isEqualTo(new GrpcPoster.Answer(200, "0", null));
        }
        assertThat(serverErrors).isEmpty();
        assertThat(connections).hasValue(1);
        Request r = seen.get(0);
        assertThat(r.stream()).isEqualTo(1);
        assertThat(r.fields())
                .containsExactly(
                        ":method", "POST",
                        ":scheme", "http",
                        ":path", PATH,
                        ":authority", "127.0.0.1:" + server.getLocalPort(),
                        "content-type", "application/grpc",
                        "te", "trailers",
                        "user-agent", "weir");
        byte[] body = r.body();
        assertThat(Arrays.copyOf(body, 5))
                .containsExactly(0, 0, 0x02, 0x49, (byte) 0xf0); // 150,000
        assertThat(Arrays.copyOfRange(body, 5, body.length)).isEqualTo(msg);
        assertThat(seen.get(1).stream()).isEqualTo(3);
        assertThat(Arrays.copyOfRange(seen.get(1).body(), 5, 105))
                .isEqualTo(Arrays.copyOfRange(msg, 10, 110));
    }

    @Test
    void aTrailersOnlyErrorAnswerIsReturned() throws Exception {
        serve(
                c -> {
                    Request r = c.request(0);
                    byte[] block = new byte[] {(byte) 0x88};
                    ByteArrayOutputStream b = new ByteArrayOutputStream();
                    b.writeBytes(block);
                    b.writeBytes(trailers("14", "collector down"));
                    c.write(1, 0x4 | 0x1, r.stream(), b.toByteArray());
                    c.awaitClose();
                });
        try (GrpcPoster p = poster(Duration.ofSeconds(5))) {
            assertThat(p.call(message(10), 0, 10))
                    .isEqualTo(new GrpcPoster.Answer(200, "14", "collector down"));
        }
        assertThat(serverErrors).isEmpty();
    }

    @Test
    void aStreamTheServerDidNotTakeIsSentAgainOnANewConnection() throws Exception {
        serve(
                c -> {
                    c.request(0);
                    byte[] goaway = new byte[8]; // last stream 0, NO_ERROR
                    c.write(7, 0, 0, goaway);
                },
                c -> {
                    Request r = c.request(0);
                    c.answer(r.stream(), "0", null);
                    c.awaitClose();
                });
        try (GrpcPoster p = poster(Duration.ofSeconds(5))) {
            assertThat(p.call(message(10), 0, 10)).isEqualTo(new GrpcPoster.Answer(200, "0", null));
        }
        assertThat(connections).hasValue(2);
        assertThat(serverErrors).isEmpty();
    }

    @Test
    void anIdleConnectionTheServerClosedIsReplaced() throws Exception {
        serve(
                c -> {
                    Request r = c.request(0);
                    c.answer(r.stream(), "0", null);
                    // and close it, idle
                },
                c -> {
                    Request r = c.request(0);
                    assertThat(r.stream()).isEqualTo(1);
                    c.answer(r.stream(), "0", null);
                    c.awaitClose();
                });
        try (GrpcPoster p = poster(Duration.ofSeconds(5))) {
            assertThat(p.call(message(10), 0, 10)).isEqualTo(new GrpcPoster.Answer(200, "0", null));
            assertThat(closed.tryAcquire(5, java.util.concurrent.TimeUnit.SECONDS))
                    .as("the server closed the idle connection")
                    .isTrue();
            assertThat(p.call(message(10), 0, 10)).isEqualTo(new GrpcPoster.Answer(200, "0", null));
        }
        assertThat(connections).hasValue(2);
        assertThat(serverErrors).isEmpty();
    }

    @Test
    void aServerThatNeverAnswersFailsTheCallAtItsTimeout() throws Exception {
        serve(
                c -> {
                    c.request(0);
                    c.awaitClose(); // the client gives up and closes
                });
        try (GrpcPoster p = poster(Duration.ofMillis(300))) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> p.call(message(10), 0, 10))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("no answer within 300 ms");
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(250L, 3000L);
        }
    }

    @Test
    void sendReturnsBeforeTheAnswerAndAnswerReadsItLater() throws Exception {
        java.util.concurrent.CountDownLatch answerNow = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch received = new java.util.concurrent.CountDownLatch(1);
        serve(
                c -> {
                    Request r = c.request(0);
                    received.countDown();
                    answerNow.await(30, java.util.concurrent.TimeUnit.SECONDS);
                    c.answer(r.stream(), "0", null);
                    Request r2 = c.request(0);
                    c.answer(r2.stream(), "0", null);
                    c.awaitClose();
                });
        try (GrpcPoster p = poster(Duration.ofSeconds(5))) {
            byte[] msg = message(1000);
            p.send(msg, 0, msg.length); // the server has not answered: this did not wait
            assertThat(p.awaiting()).isTrue();
            assertThat(received.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> p.send(msg, 0, 10))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("the last call's answer was not read");
            answerNow.countDown();
            assertThat(p.answer()).isEqualTo(new GrpcPoster.Answer(200, "0", null));
            assertThat(p.awaiting()).isFalse();
            assertThat(p.call(msg, 0, 10)).isEqualTo(new GrpcPoster.Answer(200, "0", null));
            assertThatThrownBy(p::answer)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("no call waits for its answer");
        } finally {
            answerNow.countDown();
        }
        assertThat(serverErrors).isEmpty();
        assertThat(connections).hasValue(1);
    }

    @Test
    void anAnswerReadLateStillFailsAtTheTimeCountedFromTheSend() throws Exception {
        serve(
                c -> {
                    c.request(0);
                    c.awaitClose(); // never answers
                });
        try (GrpcPoster p = poster(Duration.ofMillis(300))) {
            long t0 = System.nanoTime();
            p.send(message(10), 0, 10);
            Thread.sleep(150);
            assertThatThrownBy(p::answer)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("no answer within 300 ms");
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(250L, 3000L);
        }
    }
}
