package io.weir.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The exporters' HTTP/1.1 client against scripted servers on real sockets. */
class HttpPosterTest {

    /** What one connection of a {@link Server} does, given its socket. */
    interface Conversation {
        void run(Server server, Socket s) throws Exception;
    }

    /** Accepts connections one after another on a loopback port and runs a conversation on each. */
    static final class Server implements AutoCloseable {
        final ServerSocket socket;
        final AtomicInteger accepted = new AtomicInteger();
        final List<Request> requests = new CopyOnWriteArrayList<>();
        final List<Socket> open = new CopyOnWriteArrayList<>();
        final Thread thread;

        Server(Conversation c) throws IOException {
            socket = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
            thread =
                    new Thread(
                            () -> {
                                while (!socket.isClosed()) {
                                    try {
                                        Socket s = socket.accept();
                                        open.add(s);
                                        accepted.incrementAndGet();
                                        Thread t =
                                                new Thread(
                                                        () -> {
                                                            try {
                                                                c.run(this, s);
                                                            } catch (Exception e) {
                                                                // the client went away
                                                            }
                                                        });
                                        t.setDaemon(true);
                                        t.start();
                                    } catch (IOException e) {
                                        return;
                                    }
                                }
                            });
            thread.setDaemon(true);
            thread.start();
        }

        /** A server that answers every request of every connection with {@code response}. */
        static Server answering(String response) throws IOException {
            return new Server(
                    (srv, s) -> {
                        while (srv.read(s) != null) {
                            write(s, response);
                        }
                    });
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/v1/traces");
        }

        /** Reads one request (head and Content-Length body), or null at the end. */
        Request read(Socket s) throws IOException {
            InputStream in = s.getInputStream();
            List<String> head = new ArrayList<>();
            String line;
            while (!(line = line(in)).isEmpty()) {
                head.add(line);
            }
            if (head.isEmpty()) {
                return null;
            }
            int length = 0;
            for (String h : head) {
                if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(h.substring(15).trim());
                }
            }
            byte[] body = in.readNBytes(length);
            Request r = new Request(head, body);
            requests.add(r);
            return r;
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                if (c != '\r') {
                    b.write(c);
                }
            }
            return b.toString(StandardCharsets.US_ASCII);
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : open) {
                s.close();
            }
        }
    }

    record Request(List<String> head, byte[] body) {}

    static void write(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private HttpPoster poster;

    @AfterEach
    void closePoster() {
        if (poster != null) {
            poster.close();
        }
    }

    private static byte[] body(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31);
        }
        return b;
    }

    @Test
    void postsOverOneKeptAliveConnectionWithItsHeadersAndTheExactBody() throws Exception {
        try (Server server = Server.answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")) {
            poster = new HttpPoster(server.uri(), "application/x-protobuf", Duration.ofSeconds(5));
            byte[] b = body(100_000);
            for (int i = 0; i < 3; i++) {
                assertThat(poster.post(b, 10, 50_000)).isEqualTo(200);
            }
            assertThat(server.accepted.get()).isEqualTo(1);
            assertThat(server.requests).hasSize(3);
            Request r = server.requests.get(0);
            assertThat(r.head().get(0)).isEqualTo("POST /v1/traces HTTP/1.1");
            assertThat(r.head())
                    .contains(
                            "Host: 127.0.0.1:" + server.socket.getLocalPort(),
                            "Content-Type: application/x-protobuf",
                            "Content-Length: 50000");
            assertThat(r.body()).isEqualTo(java.util.Arrays.copyOfRange(b, 10, 50_010));
        }
    }

    @Test
    void sendsAgainOnANewConnectionWhenTheServerClosedTheIdleOne() throws Exception {
        try (Server server =
                new Server(
                        (srv, s) -> {
                            if (srv.read(s) != null) {
                                write(s, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
                            }
                            s.close(); // closes the kept-alive connection without saying so
                        })) {
            poster = new HttpPoster(server.uri(), "application/json", Duration.ofSeconds(5));
            assertThat(poster.post(body(10), 0, 10)).isEqualTo(202);
            assertThat(poster.post(body(20), 0, 20)).isEqualTo(202);
            assertThat(server.accepted.get()).isEqualTo(2);
            assertThat(server.requests).hasSize(2);
            assertThat(server.requests.get(1).body()).hasSize(20);
        }
    }

    @Test
    void skipsInterimAnswersAndReadsAChunkedBodyToItsEnd() throws Exception {
        try (Server server =
                Server.answering(
                        "HTTP/1.1 100 Continue\r\n\r\n"
                                + "HTTP/1.1 200 OK\r\n"
                                + "Transfer-Encoding: chunked\r\n\r\n"
                                + "5;ext=1\r\nhello\r\n"
                                + "a\r\n0123456789\r\n"
                                + "0\r\nx-trailer: 1\r\n\r\n")) {
            poster = new HttpPoster(server.uri(), "application/json", Duration.ofSeconds(5));
            assertThat(poster.post(body(5), 0, 5)).isEqualTo(200);
            // the body was read exactly: the next answer on the same connection parses
            assertThat(poster.post(body(5), 0, 5)).isEqualTo(200);
            assertThat(server.accepted.get()).isEqualTo(1);
        }
    }

    @Test
    void returnsTheStatusOfAnErrorAnswerAndKeepsTheConnection() throws Exception {
        try (Server server =
                Server.answering(
                        "HTTP/1.1 503 Service Unavailable\r\n" + "Content-Length: 4\r\n\r\nbusy")) {
            poster = new HttpPoster(server.uri(), "application/json", Duration.ofSeconds(5));
            assertThat(poster.post(body(5), 0, 5)).isEqualTo(503);
            assertThat(poster.post(body(5), 0, 5)).isEqualTo(503);
            assertThat(server.accepted.get()).isEqualTo(1);
        }
    }

    @Test
    void aBodyEndingWithTheConnectionIsReadAndTheNextPostReconnects() throws Exception {
        try (Server server =
                new Server(
                        (srv, s) -> {
                            if (srv.read(s) != null) {
                                write(s, "HTTP/1.0 200 OK\r\n\r\nno length");
                            }
                            s.close();
                        })) {
            poster = new HttpPoster(server.uri(), "application/json", Duration.ofSeconds(5));
            assertThat(poster.post(body(5), 0, 5)).isEqualTo(200);
            assertThat(poster.post(body(5), 0, 5)).isEqualTo(200);
            assertThat(server.accepted.get()).isEqualTo(2);
        }
    }

    @Test
    void aServerThatNeverAnswersFailsThePostAtTheTimeout() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Server server =
                new Server(
                        (srv, s) -> {
                            srv.read(s);
                            release.await(30, TimeUnit.SECONDS);
                        })) {
            poster = new HttpPoster(server.uri(), "application/json", Duration.ofMillis(300));
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> poster.post(body(5), 0, 5))
                    .isInstanceOf(IOException.class)
                    .hasMessage("no answer within 300 ms");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0))
                    .isBetween(250L, 3_000L);
        } finally {
            release.countDown();
        }
    }

    @Test
    void aServerThatStopsReadingCannotHoldTheWriteBeyondTheTimeout() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Server server = new Server((srv, s) -> release.await(30, TimeUnit.SECONDS))) {
            poster = new HttpPoster(server.uri(), "application/json", Duration.ofMillis(300));
            byte[] big = body(64 << 20); // far more than the socket buffers hold
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> poster.post(big, 0, big.length))
                    .isInstanceOf(IOException.class)
                    .hasMessage("no answer within 300 ms");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0))
                    .isBetween(250L, 3_000L);
        } finally {
            release.countDown();
        }
    }

    @Test
    void aRefusedConnectionFailsAtOnceAndTheNextPostTriesAgain() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        poster =
                new HttpPoster(
                        URI.create("http://127.0.0.1:" + port + "/v1/traces"),
                        "application/json",
                        Duration.ofSeconds(5));
        assertThatThrownBy(() -> poster.post(body(5), 0, 5))
                .isInstanceOf(java.net.ConnectException.class);
        assertThatThrownBy(() -> poster.post(body(5), 0, 5))
                .isInstanceOf(java.net.ConnectException.class);
    }

    @Test
    void anAnswerThatIsNotHttpFails() throws Exception {
        try (Server server =
                new Server(
                        (srv, s) -> {
                            srv.read(s);
                            write(s, "SSH-2.0-OpenSSH_9.2\r\n");
                            s.close();
                        })) {
            poster = new HttpPoster(server.uri(), "application/json", Duration.ofSeconds(5));
            assertThatThrownBy(() -> poster.post(body(5), 0, 5))
                    .isInstanceOf(IOException.class)
                    .hasMessage("not an HTTP/1.x answer: SSH-2.0-OpenSSH_9.2");
        }
    }

    @Test
    void sendReturnsBeforeTheAnswerAndAnswerReadsItLater() throws Exception {
        CountDownLatch answerNow = new CountDownLatch(1);
        try (Server server =
                new Server(
                        (srv, s) -> {
                            while (srv.read(s) != null) {
                                answerNow.await(30, TimeUnit.SECONDS);
                                write(s, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
                            }
                        })) {
            poster = new HttpPoster(server.uri(), "application/x-protobuf", Duration.ofSeconds(5));
            byte[] envelope = body(7);
            List<SpanBlock> blocks =
                    List.of(new SpanBlock(body(300), 200, 2), new SpanBlock(body(50), 50, 1));
            poster.send(envelope, 7, blocks); // the server has not answered: this did not wait
            assertThat(poster.awaiting()).isTrue();
            TestSupport.await(() -> server.requests.size() == 1);
            assertThatThrownBy(() -> poster.send(envelope, 7, blocks))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("the last request's answer was not read");
            answerNow.countDown();
            assertThat(poster.answer()).isEqualTo(200);
            assertThat(poster.awaiting()).isFalse();
            byte[] expected = new byte[257];
            System.arraycopy(envelope, 0, expected, 0, 7);
            System.arraycopy(body(300), 0, expected, 7, 200);
            System.arraycopy(body(50), 0, expected, 207, 50);
            assertThat(server.requests.get(0).body()).isEqualTo(expected);
            assertThat(server.requests.get(0).head()).contains("Content-Length: 257");
            assertThatThrownBy(() -> poster.answer())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("no request waits for its answer");
        } finally {
            answerNow.countDown();
        }
    }

    @Test
    void anAnswerReadLateStillFailsAtTheTimeCountedFromTheSend() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Server server =
                new Server(
                        (srv, s) -> {
                            srv.read(s);
                            release.await(30, TimeUnit.SECONDS);
                        })) {
            poster = new HttpPoster(server.uri(), "application/json", Duration.ofMillis(300));
            long t0 = System.nanoTime();
            poster.send(body(5), 5, List.of());
            Thread.sleep(150);
            assertThatThrownBy(() -> poster.answer())
                    .isInstanceOf(IOException.class)
                    .hasMessage("no answer within 300 ms");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0))
                    .isBetween(250L, 3_000L);
            assertThat(poster.awaiting()).isFalse();
        } finally {
            release.countDown();
        }
    }

    @Test
    void aRequestOnAConnectionClosedWhileIdleGoesOutAgainWhenItsAnswerIsRead() throws Exception {
        try (Server server =
                new Server(
                        (srv, s) -> {
                            if (srv.read(s) != null) {
                                write(s, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
                            }
                            s.close(); // closes the kept-alive connection without saying so
                        })) {
            poster = new HttpPoster(server.uri(), "application/x-protobuf", Duration.ofSeconds(5));
            List<SpanBlock> first = List.of(new SpanBlock(body(40), 40, 1));
            poster.send(body(3), 3, first);
            assertThat(poster.answer()).isEqualTo(200);
            TestSupport.await(() -> server.open.get(0).isClosed());
            // a request of one write (its head alone) onto the closed connection: the write
            // succeeds, and only the answer finds the connection gone
            poster.send(new byte[0], 0, List.of());
            assertThat(poster.answer()).isEqualTo(200); // sent again on a new one
            assertThat(server.accepted.get()).isEqualTo(2);
            assertThat(server.requests).hasSize(2);
            assertThat(server.requests.get(1).head()).contains("Content-Length: 0");
        }
    }

    @Test
    void refusesAnEndpointThatIsNotHttp() {
        assertThatThrownBy(
                        () ->
                                new HttpPoster(
                                        URI.create("ftp://127.0.0.1/x"),
                                        "application/json",
                                        Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not an http:// or https:// endpoint: ftp://127.0.0.1/x");
    }
}
