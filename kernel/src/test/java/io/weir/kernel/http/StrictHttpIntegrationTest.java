package io.weir.kernel.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Weir's strict HTTP/1.1 handling end to end: exact bytes from a raw socket, a real Weir, real
 * upstreams that echo what they received. Where framing is in doubt Weir must answer with the
 * exact status, say {@code connection: close} and close, and never forward anything upstream.
 */
class StrictHttpIntegrationTest {
    private static final String HEAD = "GET / HTTP/1.1\r\nHost: a\r\n";
    private static final String POST_CHUNKED =
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";

    private static TestUpstream up;
    private static Weir weir;

    @BeforeAll
    static void start() throws Exception {
        Leaks.drainAndForget();
        up = new TestUpstream("backend");
        weir = Weir.start(Weir.simple(up.address(), ""));
    }

    @AfterAll
    static void stopAndCheckLeaks() {
        if (weir != null) {
            weir.close();
        }
        if (up != null) {
            up.close();
        }
        Leaks.assertNoneReported();
    }

    /**
     * Reports of leaked buffers from Netty's leak detector (paranoid in tests), collected through
     * its listener so a leak fails the test class instead of only being logged.
     */
    static final class Leaks {
        private static final List<String> REPORTED = new CopyOnWriteArrayList<>();

        static {
            try {
                Field f = AbstractByteBuf.class.getDeclaredField("leakDetector");
                f.setAccessible(true);
                ResourceLeakDetector<?> detector = (ResourceLeakDetector<?>) f.get(null);
                detector.setLeakListener((type, records) -> REPORTED.add(type + ": " + records));
            } catch (ReflectiveOperationException e) {
                throw new AssertionError("cannot watch netty's leak detector", e);
            }
        }

        private Leaks() {}

        /** Lets the detector see collected buffers: it reports them on the next allocations. */
        private static void collect() {
            for (int i = 0; i < 5; i++) {
                System.gc();
                System.runFinalization();
                for (int j = 0; j < 100; j++) {
                    ByteBuf b = Unpooled.directBuffer(1);
                    b.release();
                }
            }
        }

        /** Forgets leaks left by earlier test classes in this JVM. */
        static void drainAndForget() {
            collect();
            REPORTED.clear();
        }

        static void assertNoneReported() {
            collect();
            assertThat(REPORTED).as("leaked buffers").isEmpty();
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** Sends {@code raw} on a new connection; asserts {@code status}, connection: close, and close. */
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
    private static void assertUpstreamSawNothingSince(int before) throws Exception {
        RawClient.Response r = exchange(weir.port(), "GET /probe HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("uri=/probe");
        assertThat(up.requests()).as("requests seen upstream").isEqualTo(before + 1);
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
                        httpExtra.indent(8).stripTrailing(),
                        routes.indent(10).stripTrailing(),
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
                Arguments.of("path above the root", "GET /../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n", 400),
                Arguments.of("path climbing too far", "GET /a/../../b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
                Arguments.of(
                        "encoded path above the root",
                        "GET /%2e%2e/etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n",
                        400));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("rejectedHeads")
    void rejectsMalformedRequestsWithTheExactStatusClosesAndForwardsNothing(
            String why, String raw, int status) throws Exception {
        int before = up.requests();
        assertRejected(weir.port(), raw, status);
        assertUpstreamSawNothingSince(before);
    }

    static Stream<Arguments> invalidChunks() {
        return Stream.of(
                Arguments.of("non-hex chunk size", "zz\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("missing CRLF after the data", "5\r\nhelloXX\r\n0\r\n\r\n"),
                Arguments.of("too many hex digits", "00000000000000005\r\nhello\r\n0\r\n\r\n"),
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
        int before = up.requests();
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
        int before = up.requests();
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
        int before = up.requests();
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
        int before = up.requests();
        String inner = "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
        String body =
                "5;ext=1\r\nhello\r\n"
                        + Integer.toHexString(inner.length())
                        + "\r\n"
                        + inner
                        + "\r\n"
                        + "3 ; q=\"x\"\r\nend\r\n0\r\nX-Trailer: t\r\n\r\n";
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
                            "/a/b/../../admin")) {
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
            for (String partial : List.of(HEAD + "X-Half: va", "GET /ha")) {
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
        }
    }

    @Test
    void rejectsADeclaredBodyOverTheLimitWith413AndForwardsNothing() throws Exception {
        try (Weir w = Weir.start(limitsConfig("max_request_body: 1KiB"))) {
            int before = up.requests();
            assertRejected(
                    w.port(),
                    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2000\r\n\r\n" + "x".repeat(2000),
                    413);
            assertRejected(w.port(), "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1025\r\n\r\n", 413);
            RawClient.Response ok =
                    exchange(
                            w.port(),
                            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1024\r\n\r\n"
                                    + "x".repeat(1024));
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.body()).contains("body-bytes=1024");
            assertThat(up.requests()).isEqualTo(before + 1);
        }
    }

    @Test
    void rejectsAChunkedBodyGrowingPastTheLimitWith413() throws Exception {
        try (Weir w = Weir.start(limitsConfig("max_request_body: 1KiB"))) {
            String chunk = "258\r\n" + "x".repeat(600) + "\r\n";
            assertRejected(w.port(), POST_CHUNKED + chunk + chunk + "0\r\n\r\n", 413);
            RawClient.Response ok =
                    exchange(
                            w.port(),
                            POST_CHUNKED + "400\r\n" + "x".repeat(1024) + "\r\n0\r\n\r\n");
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.body()).contains("body-bytes=1024");
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
