package io.weir.kernel.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.RawUpstream;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Weir's strict HTTP/1.1 handling end to end: exact bytes from a raw socket, a real Weir, real
 * upstreams that echo what they received. Where framing is in doubt Weir must answer with the exact
 * status, say {@code connection: close} and close, and never forward anything upstream.
 */
@ExtendWith(NettyLeakCheck.class)
class StrictHttpIntegrationTest {
    private static final String HEAD = "GET / HTTP/1.1\r\nHost: a\r\n";
    private static final String POST_CHUNKED =
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";

    private static TestUpstream up;
    private static Weir weir;

    @BeforeAll
    static void start() throws Exception {
        up = new TestUpstream("backend");
        weir = Weir.start(Weir.simple(up.address(), ""));
    }

    @AfterAll
    static void stop() {
        if (weir != null) {
            weir.close();
        }
        if (up != null) {
            up.close();
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    /**
     * Sends {@code raw} on a new connection; asserts {@code status}, connection: close, and close.
     */
    private static RawClient.Response assertRejected(int port, String raw, int status)
            throws Exception {
        try (RawClient c = new RawClient(port)) {
            c.send(raw);
            RawClient.Response r = c.read();
            assertThat(r.status()).as("status").isEqualTo(status);
            assertThat(r.header("connection")).as("connection header").isEqualTo("close");
            assertThat(c.closedByPeer()).as("closed by Weir").isTrue();
            return r;
        }
    }

    /** One valid request on a new connection; returns the upstream's echo. */
    private static RawClient.Response exchange(int port, String raw) throws Exception {
        try (RawClient c = new RawClient(port)) {
            c.send(raw);
            return c.read();
        }
    }

    /**
     * Proves the upstream saw no request since {@code before}: a valid request sent afterwards is
     * the only one it counts.
     */
    /**
     * The shared upstream's request count once it has stopped moving (unchanged for 300 ms, at most
     * 5 s): a request of an earlier test (one whose client went away) may still reach the upstream
     * late on a loaded machine and would otherwise be counted against the next test.
     */
    private static int quietRequests() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int last = up.requests();
        long since = System.nanoTime();
        while (System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            int now = up.requests();
            if (now != last) {
                last = now;
                since = System.nanoTime();
            } else if (System.nanoTime() - since >= TimeUnit.MILLISECONDS.toNanos(300)) {
                return now;
            }
        }
        return last;
    }

    private static void assertUpstreamSawNothingSince(int before) throws Exception {
        RawClient.Response r = exchange(weir.port(), "GET /probe HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("uri=/probe");
        assertThat(up.requests()).as("requests seen upstream").isEqualTo(before + 1);
    }

    /** A counter of the listener {@code ingress}. */
    private static double stat(Weir w, String name) {
        return w.stat(name + "{listener=\"ingress\"}");
    }

    private static String config(String httpExtra, String routes, String clusters) {
        return """
                admin:
                  address: 127.0.0.1:0
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                %s
                      virtual_hosts:
                        - name: default
                          domains: ["*"]
                          routes:
                %s
                clusters:
                %s
                """
                .formatted(
                        httpExtra.indent(6).stripTrailing(),
                        routes.indent(12).stripTrailing(),
                        clusters.indent(2).stripTrailing());
    }

    private static String cluster(String name, String address) {
        return """
                - name: %s
                  connect_timeout: 1s
                  endpoints:
                    - address: %s
                """
                .formatted(name, address);
    }

    private static String limitsConfig(String httpExtra) {
        return config(
                httpExtra,
                "- match: { prefix: \"/\" }\n  route: { cluster: backend, timeout: 5s }\n",
                cluster("backend", up.address()));
    }

    // ---- rejected before any request reaches the router ---------------------------------------

    static Stream<Arguments> rejectedHeads() {
        String big = "x-fill: " + "v".repeat(1000) + "\r\n";
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            many.append("x-").append(i).append(": v\r\n");
        }
        return Stream.of(
                Arguments.of(
                        "content-length and transfer-encoding",
                        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                        400),
                Arguments.of(
                        "transfer-encoding gzip, chunked",
                        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                        501),
                Arguments.of(
                        "transfer-encoding identity",
                        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n",
                        501),
                Arguments.of(
                        "malformed transfer-encoding",
                        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chu nked\r\n\r\n",
                        400),
                Arguments.of(
                        "content-length 1, 1",
                        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\nx",
                        400),
                Arguments.of(
                        "two content-length fields",
                        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
                        400),
                Arguments.of(
                        "conflicting content-length fields",
                        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy",
                        400),
                Arguments.of(
                        "content-length -1",
                        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
                        400),
                Arguments.of(
                        "content-length abc",
                        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n",
                        400),
                Arguments.of(
                        "content-length +5",
                        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello",
                        400),
                Arguments.of("header section over 60 KiB", HEAD + big.repeat(61) + "\r\n", 431),
                Arguments.of("101 header fields", HEAD + many + "\r\n", 431),
                Arguments.of(
                        "request line over 60 KiB",
                        "GET /" + "a".repeat(61 * 1024) + " HTTP/1.1\r\nHost: a\r\n\r\n",
                        414),
                Arguments.of("NUL in a header value", HEAD + "X: a\0b\r\n\r\n", 400),
                Arguments.of("bare CR in a header line", HEAD + "X: a\rb\r\n\r\n", 400),
                Arguments.of("bare LF in a header line", HEAD + "X: a\nY: b\r\n\r\n", 400),
                Arguments.of("whitespace before the colon", HEAD + "X : a\r\n\r\n", 400),
                Arguments.of("obsolete line folding", HEAD + "X: a\r\n b\r\n\r\n", 400),
                Arguments.of("invalid character in a name", HEAD + "X@Y: a\r\n\r\n", 400),
                Arguments.of(
                        "content_length",
                        "POST / HTTP/1.1\r\nHost: a\r\ncontent_length: 5\r\n\r\nhello",
                        400),
                Arguments.of(
                        "transfer_encoding",
                        "POST / HTTP/1.1\r\nHost: a\r\ntransfer_encoding: chunked\r\n\r\n0\r\n\r\n",
                        400),
                Arguments.of("HTTP/0.9", "GET /\r\n", 400),
                Arguments.of("HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
                Arguments.of("HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505),
                Arguments.of("HTTX/1.1", "GET / HTTX/1.1\r\nHost: a\r\n\r\n", 400),
                Arguments.of("HTTP/1.1 without host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400),
                Arguments.of("two host headers", HEAD + "Host: b\r\n\r\n", 400),
                Arguments.of("host with a path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
                Arguments.of("host with userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400),
                Arguments.of("host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("rejectedHeads")
    void rejectsMalformedRequestsWithTheExactStatusClosesAndForwardsNothing(
            String why, String raw, int status) throws Exception {
        int before = quietRequests();
        double errors = stat(weir, "weir_http_downstream_cx_protocol_error");
        assertRejected(weir.port(), raw, status);
        assertThat(stat(weir, "weir_http_downstream_cx_protocol_error")).isEqualTo(errors + 1);
        assertUpstreamSawNothingSince(before);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/../etc/passwd",
                "/a/../../b",
                "/%2e%2e/etc/passwd",
                "/a/%2E%2E/..",
                "/a/%zz",
                "/a/..\\..\\b",
                "http://a/../etc/passwd"
            })
    void rejectsPathsEscapingTheRootOrBadlyEncodedWith400AndForwardsNothing(String target)
            throws Exception {
        int before = quietRequests();
        assertRejected(weir.port(), "GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n", 400);
        assertUpstreamSawNothingSince(before);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "httpx://a/x",
                "http+x://a/x",
                "http://a{b}/x",
                "http://[::1/x",
                "http://a:8x/x"
            })
    void rejectsAbsoluteFormTargetsWithAnInvalidSchemeOrAuthorityWith400(String target)
            throws Exception {
        int before = quietRequests();
        assertRejected(weir.port(), "GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n", 400);
        assertUpstreamSawNothingSince(before);
    }

    static Stream<Arguments> invalidChunks() {
        return Stream.of(
                Arguments.of("non-hex chunk size", "zz\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("missing CRLF after the data", "5\r\nhelloXX\r\n0\r\n\r\n"),
                Arguments.of("16 hex digits", "0000000000000005\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("bare LF after the size", "5\nhello\r\n0\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidChunks")
    void rejectsAnInvalidChunkWith400AndCloses(String why, String body) throws Exception {
        assertRejected(weir.port(), POST_CHUNKED + body, 400);
    }

    // ---- request boundaries ---------------------------------------------------------------------

    @Test
    void rejectsContentLengthPlusTransferEncodingSmugglingWithoutForwardingEitherRequest()
            throws Exception {
        int before = quietRequests();
        String smuggled = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
        assertRejected(
                weir.port(),
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
                        + (5 + smuggled.length())
                        + "\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                        + smuggled,
                400);
        assertUpstreamSawNothingSince(before);
    }

    static Stream<Arguments> obfuscatedTransferEncodings() {
        return Stream.of(
                Arguments.of("Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n", 400),
                Arguments.of("Transfer-Encoding: x\r\nTransfer-Encoding: chunked\r\n", 400),
                Arguments.of("Transfer-Encoding: chunked\r\ntransfer-encoding: chunked\r\n", 400),
                Arguments.of("Transfer-Encoding : chunked\r\n", 400),
                Arguments.of("Transfer-Encoding: \u000bchunked\r\n", 400),
                Arguments.of("X: y\r\n Transfer-Encoding: chunked\r\n", 400),
                Arguments.of("Transfer_Encoding: chunked\r\n", 400),
                Arguments.of("Transfer-Encoding: \"chunked\"\r\n", 400),
                Arguments.of("Transfer-Encoding: chunked, identity\r\n", 501),
                Arguments.of("Transfer-Encoding: xchunked\r\n", 501));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("obfuscatedTransferEncodings")
    void rejectsObfuscatedTransferEncodingSmugglingWithoutForwarding(String te, int status)
            throws Exception {
        int before = quietRequests();
        assertRejected(
                weir.port(),
                "POST / HTTP/1.1\r\nHost: a\r\n"
                        + te
                        + "\r\n1\r\nZ\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
                status);
        assertUpstreamSawNothingSince(before);
    }

    @Test
    void forwardsAContentLengthBodyThatLooksLikeARequestAsOneRequest() throws Exception {
        int before = quietRequests();
        String inner = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
        try (RawClient c = new RawClient(weir.port())) {
            c.send(
                    "POST /outer HTTP/1.1\r\nHost: a\r\nContent-Length: "
                            + inner.length()
                            + "\r\n\r\n"
                            + inner
                            + "GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
            RawClient.Response first = c.read();
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.body())
                    .contains("method=POST", "uri=/outer", "body-bytes=" + inner.length());
            RawClient.Response second = c.read();
            assertThat(second.status()).isEqualTo(200);
            assertThat(second.body()).contains("method=GET", "uri=/next");
        }
        assertThat(up.requests()).isEqualTo(before + 2);
    }

    @Test
    void forwardsAValidChunkedRequestReserialisedWithTheSameBody() throws Exception {
        int before = quietRequests();
        String inner = "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
        String body =
                "5;ext=1\r\nhello\r\n"
                        + Integer.toHexString(inner.length())
                        + "\r\n"
                        + inner
                        + "\r\n"
                        + "3 ; q=\"x\"\r\nend\r\n0\r\n\r\n";
        try (RawClient c = new RawClient(weir.port())) {
            c.send(POST_CHUNKED.replace("POST /", "POST /chunked") + body);
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body())
                    .contains("uri=/chunked")
                    .contains("h:transfer-encoding=chunked")
                    .contains("body-bytes=" + (5 + inner.length() + 3))
                    .doesNotContain("h:content-length");
            // the connection stays usable: the chunk data was not taken for a request
            c.send("GET /after HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(c.read().body()).contains("uri=/after");
        }
        assertThat(up.requests()).isEqualTo(before + 2);
    }

    /** Reads one CRLF-terminated line (CRLF included); fails on a bare LF. */
    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            sb.append((char) c);
            if (c == '\n') {
                assertThat(sb.toString()).as("line sent upstream").endsWith("\r\n");
                return sb.toString();
            }
        }
        throw new EOFException("upstream request ended mid-line: " + sb);
    }

    /**
     * Reads a chunked body strictly as Weir wrote it: bare hex sizes, CRLF after each chunk's data,
     * then the trailer section. Returns the bytes on the wire; {@code data} receives the content.
     */
    private static String readChunked(InputStream in, StringBuilder data) throws IOException {
        StringBuilder wire = new StringBuilder();
        while (true) {
            String size = line(in);
            wire.append(size);
            int n = Integer.parseInt(size.substring(0, size.length() - 2), 16);
            if (n == 0) {
                String t;
                do {
                    t = line(in);
                    wire.append(t);
                } while (!t.equals("\r\n"));
                return wire.toString();
            }
            String chunk = new String(in.readNBytes(n), StandardCharsets.ISO_8859_1);
            data.append(chunk);
            String crlf = new String(in.readNBytes(2), StandardCharsets.ISO_8859_1);
            assertThat(crlf).as("after chunk data").isEqualTo("\r\n");
            wire.append(chunk).append(crlf);
        }
    }

    @Test
    void reserialisesAChunkedRequestWithoutExtensionsButWithItsTrailers() throws Exception {
        CompletableFuture<String> head = new CompletableFuture<>();
        CompletableFuture<String> wire = new CompletableFuture<>();
        StringBuilder data = new StringBuilder();
        try (RawUpstream raw =
                        new RawUpstream(
                                socket -> {
                                    InputStream in = socket.getInputStream();
                                    head.complete(RawUpstream.readHead(in));
                                    try {
                                        wire.complete(readChunked(in, data));
                                    } catch (Throwable e) {
                                        wire.completeExceptionally(e);
                                    }
                                    socket.getOutputStream()
                                            .write(
                                                    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                                                            .getBytes(StandardCharsets.US_ASCII));
                                    socket.getInputStream().read(); // until Weir closes or resets
                                });
                Weir w = Weir.start(Weir.simple(raw.address(), ""));
                RawClient c = new RawClient(w.port())) {
            c.send(
                    POST_CHUNKED.replace("POST /", "POST /up")
                            + "5;ext=1\r\nhello\r\n"
                            + "6 ; q=\"x\"\r\n world\r\n"
                            + "0\r\nX-Trailer: t\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("ok");
            assertThat(head.get(5, TimeUnit.SECONDS))
                    .startsWith("POST /up HTTP/1.1\r\n")
                    .containsIgnoringCase("\r\ntransfer-encoding: chunked\r\n")
                    .doesNotContainIgnoringCase("content-length");
            assertThat(wire.get(5, TimeUnit.SECONDS))
                    .doesNotContain(";")
                    .endsWith("\r\n0\r\nx-trailer: t\r\n\r\n");
            assertThat(data.toString()).isEqualTo("hello world");
        }
    }

    @Test
    void answersEarlierPipelinedRequestsBeforeRejectingAMalformedOne() throws Exception {
        int before = quietRequests();
        try (RawClient c = new RawClient(weir.port())) {
            c.send(
                    "GET /first HTTP/1.1\r\nHost: a\r\n\r\n"
                            + "POST /second HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                            + "GET /third HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 2\r\n\r\n"
                            + "GET /fourth HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(c.read().body()).contains("uri=/first\n");
            assertThat(c.read().body()).contains("uri=/second\n", "body-bytes=3\n");
            RawClient.Response third = c.read();
            assertThat(third.status()).isEqualTo(400);
            assertThat(third.header("connection")).isEqualTo("close");
            assertThat(c.closedByPeer()).isTrue();
        }
        assertUpstreamSawNothingSince(before + 2);
    }

    @Test
    void acceptsAHeaderSectionOfExactly60KiB() throws Exception {
        String start = "GET /big HTTP/1.1\r\nHost: a\r\nX-Fill: ";
        String raw = start + "v".repeat(60 * 1024 - start.length() - 4) + "\r\n\r\n";
        assertThat(raw).hasSize(60 * 1024);
        RawClient.Response r = exchange(weir.port(), raw);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("uri=/big\n");
        assertRejected(weir.port(), raw.replace("X-Fill: ", "X-Fill: v"), 431);
    }

    static Stream<Arguments> malformedUpstreamResponses() {
        return Stream.of(
                Arguments.of(
                        "content-length and transfer-encoding",
                        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + "0\r\n\r\n"),
                Arguments.of(
                        "conflicting content-length",
                        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello"),
                Arguments.of(
                        "transfer-encoding gzip, chunked",
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\n\n"),
                Arguments.of(
                        "whitespace before the colon",
                        "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n"),
                Arguments.of(
                        "NUL in a value",
                        "HTTP/1.1 200 OK\r\nX: a\0b\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of("HTTP/2.0", "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of(
                        "101 switching protocols",
                        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedUpstreamResponses")
    void answers502ForAMalformedUpstreamResponseHead(String why, String response) throws Exception {
        try (RawUpstream raw =
                        new RawUpstream(
                                socket -> {
                                    RawUpstream.readHead(socket.getInputStream());
                                    socket.getOutputStream()
                                            .write(response.getBytes(StandardCharsets.ISO_8859_1));
                                    socket.getInputStream().read(); // until Weir closes
                                });
                Weir w = Weir.start(Weir.simple(raw.address(), ""))) {
            RawClient.Response r = exchange(w.port(), "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.body()).isEqualTo("upstream protocol error\n");
        }
    }

    @Test
    void neverTakesBytesAnUpstreamSentAfterItsResponseForTheNextResponse() throws Exception {
        AtomicInteger served = new AtomicInteger();
        try (RawUpstream raw =
                        new RawUpstream(
                                socket -> {
                                    InputStream in = socket.getInputStream();
                                    OutputStream out = socket.getOutputStream();
                                    while (!RawUpstream.readHead(in).isEmpty()) {
                                        String response =
                                                served.getAndIncrement() == 0
                                                        ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                                                                + "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil"
                                                        : "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ngood";
                                        out.write(response.getBytes(StandardCharsets.US_ASCII));
                                        out.flush();
                                    }
                                });
                Weir w = Weir.start(Weir.simple(raw.address(), ""));
                RawClient c = new RawClient(w.port())) {
            c.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(c.read().body()).isEqualTo("ok");
            c.send("GET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
            RawClient.Response second = c.read();
            assertThat(second.body()).isNotEqualTo("evil");
            assertThat(second.status()).isEqualTo(200);
            assertThat(second.body()).isEqualTo("good");
        }
    }

    @Test
    void acceptsAValidRequestAfterALeadingEmptyLine() throws Exception {
        RawClient.Response r = exchange(weir.port(), "\r\nGET /lead HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("uri=/lead");
    }

    @Test
    void acceptsExactlyOneHundredHeaderFields() throws Exception {
        StringBuilder h = new StringBuilder();
        for (int i = 1; i < 100; i++) { // plus host
            h.append("x-f").append(i).append(": v\r\n");
        }
        RawClient.Response r = exchange(weir.port(), HEAD + h + "\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("h:x-f99=v");
    }

    // ---- path normalisation and routing ---------------------------------------------------------

    private static String pathConfig(boolean mergeSlashes, TestUpstream api, TestUpstream web) {
        return config(
                "merge_slashes: " + mergeSlashes,
                """
                - match: { prefix: "/admin" }
                  direct_response: { status: 403, body: "internal" }
                - match: { prefix: "/api" }
                  route: { cluster: api, timeout: 5s }
                - match: { prefix: "/" }
                  route: { cluster: web, timeout: 5s }
                """,
                cluster("api", api.address()) + cluster("web", web.address()));
    }

    @Test
    void routesAndForwardsTheNormalisedPath() throws Exception {
        try (TestUpstream api = new TestUpstream("api");
                TestUpstream web = new TestUpstream("web");
                Weir w = Weir.start(pathConfig(false, api, web))) {
            String[][] cases = {
                {"/a/./b/../c", "web", "/a/c"},
                {"/a/b/%2e%2e/c", "web", "/a/c"},
                {"/a/b/%2E%2E/c", "web", "/a/c"},
                {"/a%2Fb", "web", "/a%2Fb"},
                {"/a/..%2Fb", "web", "/a/..%2Fb"},
                {"//a///b", "web", "//a///b"},
                {"/web/../api/users", "api", "/api/users"},
                {"/web/%2e%2e/api/users", "api", "/api/users"},
                {"/api/./v1/../users?q=/../x", "api", "/api/users?q=/../x"},
                {"/api/../web", "web", "/web"},
            };
            for (String[] c : cases) {
                RawClient.Response r =
                        exchange(w.port(), "GET " + c[0] + " HTTP/1.1\r\nHost: a\r\n\r\n");
                assertThat(r.status()).as(c[0]).isEqualTo(200);
                assertThat(r.body()).as(c[0]).contains("name=" + c[1] + "\n", "uri=" + c[2] + "\n");
            }
            assertThat(api.requests()).isEqualTo(3);
            assertThat(web.requests()).isEqualTo(7);
        }
    }

    @Test
    void doesNotLetDotSegmentsBypassAPrefixRoute() throws Exception {
        try (TestUpstream api = new TestUpstream("api");
                TestUpstream web = new TestUpstream("web");
                Weir w = Weir.start(pathConfig(false, api, web))) {
            for (String path :
                    List.of(
                            "/api/../admin",
                            "/api/../admin/users",
                            "/api/%2e%2e/admin",
                            "/api/.%2E/admin/x",
                            "/web/./../admin",
                            "/a/b/../../admin",
                            "/api/..\\admin",
                            "/api\\..\\admin\\x",
                            "http://a/api/../admin")) {
                try (RawClient c = new RawClient(w.port())) {
                    c.send("GET " + path + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
                    RawClient.Response r = c.read();
                    assertThat(r.status()).as(path).isEqualTo(403);
                    assertThat(r.body()).as(path).isEqualTo("internal");
                }
            }
            assertThat(api.requests()).isZero();
            assertThat(web.requests()).isZero();
        }
    }

    @Test
    void mergesSlashesOnlyWhenEnabled() throws Exception {
        try (TestUpstream api = new TestUpstream("api");
                TestUpstream web = new TestUpstream("web");
                Weir w = Weir.start(pathConfig(true, api, web))) {
            RawClient.Response r = exchange(w.port(), "GET //a///b HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).contains("name=web\n", "uri=/a/b\n");
            r = exchange(w.port(), "GET //api//x HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(r.body()).contains("name=api\n", "uri=/api/x\n");
            r = exchange(w.port(), "GET /a%2F%2Fb HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(r.body()).contains("uri=/a%2F%2Fb\n");
        }
    }

    @Test
    void keepsTheConnectionOpenAfterADirectResponse() throws Exception {
        try (TestUpstream api = new TestUpstream("api");
                TestUpstream web = new TestUpstream("web");
                Weir w = Weir.start(pathConfig(false, api, web));
                RawClient c = new RawClient(w.port())) {
            c.send("GET /admin HTTP/1.1\r\nHost: a\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.header("connection")).isNull();
            c.send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(c.read().body()).contains("name=web\n", "uri=/x\n");
        }
    }

    // ---- timeouts and limits --------------------------------------------------------------------

    @Test
    void answers408AndClosesWhenTheHeaderSectionIsNotCompleteInTime() throws Exception {
        try (Weir w = Weir.start(limitsConfig("request_headers_timeout: 300ms"))) {
            for (String partial : List.of(HEAD + "X-Half: va", "GET /ha", "\r\n")) {
                try (RawClient c = new RawClient(w.port())) {
                    c.socket().setSoTimeout(5_000);
                    long start = System.nanoTime();
                    c.send(partial);
                    RawClient.Response r = c.read();
                    Duration waited = Duration.ofNanos(System.nanoTime() - start);
                    assertThat(r.status()).as(partial).isEqualTo(408);
                    assertThat(r.header("connection")).isEqualTo("close");
                    assertThat(c.closedByPeer()).as(partial).isTrue();
                    assertThat(waited).as(partial).isGreaterThanOrEqualTo(Duration.ofMillis(300));
                }
            }
            assertThat(stat(w, "weir_http_downstream_rq_header_timeout")).isEqualTo(3);
        }
    }

    @Test
    void answers408ForASecondRequestOnAKeptAliveConnectionThatStopsHalfway() throws Exception {
        try (Weir w = Weir.start(limitsConfig("request_headers_timeout: 300ms"));
                RawClient c = new RawClient(w.port())) {
            c.socket().setSoTimeout(5_000);
            c.send("GET /one HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(c.read().body()).contains("uri=/one\n");
            long start = System.nanoTime();
            c.send("GET /two HTTP/1.1\r\nHo");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(c.closedByPeer()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(300));
        }
    }

    @Test
    void appliesTheConfiguredHeaderLimits() throws Exception {
        try (Weir w = Weir.start(limitsConfig("max_request_headers_kb: 1\nmax_headers_count: 5"))) {
            String four = "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n";
            RawClient.Response ok = exchange(w.port(), HEAD + four + "\r\n");
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.body()).contains("h:d=4\n");
            assertRejected(w.port(), HEAD + four + "E: 5\r\n\r\n", 431);
            assertRejected(w.port(), HEAD + "X: " + "v".repeat(1024) + "\r\n\r\n", 431);
            assertRejected(
                    w.port(), "GET /" + "a".repeat(1024) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414);
        }
    }

    @Test
    void rejectsADeclaredBodyOverTheLimitWith413AndForwardsNothing() throws Exception {
        try (Weir w = Weir.start(limitsConfig("max_request_body: 1KiB"))) {
            int before = quietRequests();
            assertRejected(
                    w.port(),
                    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2000\r\n\r\n" + "x".repeat(2000),
                    413);
            assertRejected(
                    w.port(), "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1025\r\n\r\n", 413);
            RawClient.Response ok =
                    exchange(
                            w.port(),
                            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1024\r\n\r\n"
                                    + "x".repeat(1024));
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.body()).contains("body-bytes=1024");
            assertThat(up.requests()).isEqualTo(before + 1);
            assertThat(stat(w, "weir_http_downstream_rq_too_large")).isEqualTo(2);
        }
    }

    @Test
    void rejectsAChunkedBodyGrowingPastTheLimitWith413() throws Exception {
        try (Weir w = Weir.start(limitsConfig("max_request_body: 1KiB"))) {
            String chunk = "258\r\n" + "x".repeat(600) + "\r\n";
            assertRejected(w.port(), POST_CHUNKED + chunk + chunk + "0\r\n\r\n", 413);
            assertThat(stat(w, "weir_http_downstream_rq_too_large")).isEqualTo(1);
            RawClient.Response ok =
                    exchange(
                            w.port(),
                            POST_CHUNKED + "400\r\n" + "x".repeat(1024) + "\r\n0\r\n\r\n");
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.body()).contains("body-bytes=1024");
        }
    }

    @Test
    void countsOneRequestWhenBytesAfterA413WouldHaveBeenAProtocolError() throws Exception {
        try (Weir w = Weir.start(limitsConfig("max_request_body: 1KiB"))) {
            String chunk = "258\r\n" + "x".repeat(600) + "\r\n";
            assertRejected(w.port(), POST_CHUNKED + chunk + chunk + "zz\r\n", 413);
            assertThat(stat(w, "weir_http_downstream_rq_too_large")).isEqualTo(1);
            assertThat(stat(w, "weir_http_downstream_rq_total")).isEqualTo(1);
            assertThat(stat(w, "weir_http_downstream_cx_protocol_error")).isZero();
        }
    }

    @Test
    void rejectsAChunkedBodyPastTheLimitWhenItsChunksArriveSeparately() throws Exception {
        try (Weir w = Weir.start(limitsConfig("max_request_body: 1KiB"));
                RawClient c = new RawClient(w.port())) {
            String chunk = "258\r\n" + "x".repeat(600) + "\r\n";
            c.send(POST_CHUNKED + chunk);
            c.send(chunk);
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(c.closedByPeer()).isTrue();
        }
    }
}
