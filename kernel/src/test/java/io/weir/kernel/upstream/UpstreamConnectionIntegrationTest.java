package io.weir.kernel.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.RawUpstream;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How an upstream connection is kept, dropped or retried, and how response framing the client never
 * sees (interim responses, HEAD, trailers, hop-by-hop fields) is handled.
 */
@ExtendWith(NettyLeakCheck.class)
class UpstreamConnectionIntegrationTest {

    private static void write(java.net.Socket s, String text) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static RawClient.Response get(RawClient c, String path) throws Exception {
        c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
        return c.read();
    }

    @Test
    void aPooledConnectionTheUpstreamDroppedIsRetriedOnceOnAFreshOne() throws Exception {
        // every connection answers one request, then reads the next one and hangs up
        try (RawUpstream up =
                        new RawUpstream(
                                s -> {
                                    InputStream in = s.getInputStream();
                                    RawUpstream.readHead(in);
                                    write(s, "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
                                    RawUpstream.readHead(in);
                                });
                Weir weir = Weir.start(Weir.simple(up.address(), ""));
                RawClient c = new RawClient(weir.port())) {
            for (int i = 0; i < 5; i++) {
                RawClient.Response r = get(c, "/r" + i);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("ok");
            }
            assertThat(up.connections()).isEqualTo(5);
            assertThat(weir.stat("weir_cluster_upstream_rq_retry{cluster=\"backend\"}"))
                    .isEqualTo(4);
            // a request with a body is not retried: it may have been acted upon
            c.send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
            RawClient.Response post = c.read();
            assertThat(post.status()).isEqualTo(503);
            assertThat(post.body()).contains("connection termination");
        }
    }

    @Test
    void connectionCloseFromTheUpstreamIsHonouredAndNotForwarded() throws Exception {
        try (RawUpstream up =
                        new RawUpstream(
                                s -> {
                                    InputStream in = s.getInputStream();
                                    RawUpstream.readHead(in);
                                    write(
                                            s,
                                            "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
                                    // keep the socket open: Weir must close it itself
                                    in.read();
                                });
                Weir weir = Weir.start(Weir.simple(up.address(), ""));
                RawClient c = new RawClient(weir.port())) {
            for (int i = 0; i < 3; i++) {
                RawClient.Response r = get(c, "/c" + i);
                assertThat(r.status()).isEqualTo(200);
                // hop-by-hop: the client's connection stays open
                assertThat(r.header("connection")).isNull();
            }
            assertThat(up.connections()).isEqualTo(3);
            assertThat(weir.stat("weir_cluster_upstream_rq_retry{cluster=\"backend\"}")).isZero();
            assertThat(weir.awaitStat("weir_cluster_upstream_cx_active{cluster=\"backend\"}", 0))
                    .isZero();
        }
    }

    @Test
    void connectionCloseAmongOtherTokensIsHonoured() throws Exception {
        // the upstream answers one request per connection, saying so among other tokens, then
        // reads the next request and hangs up
        try (RawUpstream up =
                        new RawUpstream(
                                s -> {
                                    InputStream in = s.getInputStream();
                                    RawUpstream.readHead(in);
                                    write(
                                            s,
                                            "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n"
                                                    + "Connection: x-trace, Close\r\nx-trace: 1\r\n\r\nok");
                                    RawUpstream.readHead(in);
                                });
                Weir weir = Weir.start(Weir.simple(up.address(), ""));
                RawClient c = new RawClient(weir.port())) {
            RawClient.Response first = get(c, "/1");
            assertThat(first.body()).isEqualTo("ok");
            // x-trace was named in connection: hop-by-hop, not forwarded
            assertThat(first.header("x-trace")).isNull();
            // a request with a body cannot be retried: it must get a fresh connection at once
            c.send("POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
            RawClient.Response second = c.read();
            assertThat(second.status()).isEqualTo(200);
            assertThat(second.body()).isEqualTo("ok");
            assertThat(up.connections()).isEqualTo(2);
            assertThat(weir.stat("weir_cluster_upstream_rq_retry{cluster=\"backend\"}")).isZero();
        }
    }

    @Test
    void anHttp10UpstreamResponseIsNotReusedUnlessItSaysKeepAlive() throws Exception {
        try (RawUpstream up =
                        new RawUpstream(
                                s -> {
                                    InputStream in = s.getInputStream();
                                    String head = RawUpstream.readHead(in);
                                    String keep =
                                            head.contains("/keep")
                                                    ? "connection: Keep-Alive, x-a\r\n"
                                                    : "";
                                    write(
                                            s,
                                            "HTTP/1.0 200 OK\r\ncontent-length: 2\r\n"
                                                    + keep
                                                    + "\r\nok");
                                    while (!RawUpstream.readHead(in).isEmpty()) {
                                        write(
                                                s,
                                                "HTTP/1.0 200 OK\r\ncontent-length: 2\r\n"
                                                        + keep
                                                        + "\r\nok");
                                    }
                                });
                Weir weir = Weir.start(Weir.simple(up.address(), ""));
                RawClient c = new RawClient(weir.port())) {
            assertThat(get(c, "/close1").body()).isEqualTo("ok");
            assertThat(get(c, "/close2").body()).isEqualTo("ok");
            assertThat(up.connections()).isEqualTo(2);
            assertThat(get(c, "/keep1").body()).isEqualTo("ok");
            assertThat(get(c, "/keep2").body()).isEqualTo("ok");
            assertThat(up.connections()).isEqualTo(3);
        }
    }

    @Test
    void interimResponsesFromTheUpstreamAreSkipped() throws Exception {
        try (RawUpstream up =
                        new RawUpstream(
                                s -> {
                                    InputStream in = s.getInputStream();
                                    while (!RawUpstream.readHead(in).isEmpty()) {
                                        write(
                                                s,
                                                "HTTP/1.1 100 Continue\r\n\r\n"
                                                        + "HTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\n"
                                                        + "HTTP/1.1 201 Created\r\ncontent-length: 4\r\n\r\ndone");
                                    }
                                });
                Weir weir = Weir.start(Weir.simple(up.address(), ""));
                RawClient c = new RawClient(weir.port())) {
            for (int i = 0; i < 2; i++) {
                RawClient.Response r =
                        c.send("GET /i HTTP/1.1\r\nHost: x\r\n\r\n").read(true, false);
                assertThat(r.status()).isEqualTo(201);
                assertThat(r.body()).isEqualTo("done");
            }
            assertThat(up.connections()).isEqualTo(1);
        }
    }

    @Test
    void headAnd204And304ResponsesHaveNoBodyAndKeepTheConnection() throws Exception {
        try (RawUpstream up =
                        new RawUpstream(
                                s -> {
                                    InputStream in = s.getInputStream();
                                    String head;
                                    while (!(head = RawUpstream.readHead(in)).isEmpty()) {
                                        if (head.startsWith("HEAD ")) {
                                            write(
                                                    s,
                                                    "HTTP/1.1 200 OK\r\ncontent-length: 1234\r\n\r\n");
                                        } else if (head.contains(" /204 ")) {
                                            write(s, "HTTP/1.1 204 No Content\r\n\r\n");
                                        } else if (head.contains(" /304 ")) {
                                            write(
                                                    s,
                                                    "HTTP/1.1 304 Not Modified\r\netag: \"x\"\r\n\r\n");
                                        } else {
                                            write(
                                                    s,
                                                    "HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nbody");
                                        }
                                    }
                                });
                Weir weir = Weir.start(Weir.simple(up.address(), ""));
                RawClient c = new RawClient(weir.port())) {
            c.send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response head = c.read(false, true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("content-length")).isEqualTo("1234");
            RawClient.Response r204 = get(c, "/204");
            assertThat(r204.status()).isEqualTo(204);
            assertThat(r204.header("transfer-encoding")).isNull();
            RawClient.Response r304 = get(c, "/304");
            assertThat(r304.status()).isEqualTo(304);
            assertThat(r304.header("etag")).isEqualTo("\"x\"");
            // nothing was taken for a body: the next response is intact, on the same connections
            assertThat(get(c, "/after").body()).isEqualTo("body");
            assertThat(up.connections()).isEqualTo(1);
        }
    }

    @Test
    void upstreamResponseTrailersReachTheClient() throws Exception {
        try (RawUpstream up =
                        new RawUpstream(
                                s -> {
                                    InputStream in = s.getInputStream();
                                    while (!RawUpstream.readHead(in).isEmpty()) {
                                        write(
                                                s,
                                                "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntrailer: x-sum\r\n\r\n"
                                                        + "5\r\nhello\r\n6\r\n world\r\n0\r\nx-sum: 42\r\n\r\n");
                                    }
                                });
                Weir weir = Weir.start(Weir.simple(up.address(), ""));
                RawClient c = new RawClient(weir.port())) {
            for (int i = 0; i < 2; i++) {
                RawClient.Response r = get(c, "/t");
                assertThat(r.header("transfer-encoding")).isEqualTo("chunked");
                assertThat(r.body()).isEqualTo("hello world");
                assertThat(r.header("trailer:x-sum")).isEqualTo("42");
            }
            assertThat(up.connections()).isEqualTo(1);
        }
    }

    @Test
    void aCloseDelimitedUpstreamBodyIsChunkedToTheClientAndTheConnectionNotReused()
            throws Exception {
        try (RawUpstream up =
                        new RawUpstream(
                                s -> {
                                    RawUpstream.readHead(s.getInputStream());
                                    write(
                                            s,
                                            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil ");
                                    write(s, "the end");
                                });
                Weir weir = Weir.start(Weir.simple(up.address(), ""));
                RawClient c = new RawClient(weir.port())) {
            for (int i = 0; i < 2; i++) {
                RawClient.Response r = get(c, "/u");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("transfer-encoding")).isEqualTo("chunked");
                assertThat(r.body()).isEqualTo("until the end");
            }
            assertThat(up.connections()).isEqualTo(2);
            assertThat(
                            weir.stat(
                                    "weir_cluster_upstream_rq_xx{cluster=\"backend\",code_class=\"2xx\"}"))
                    .isEqualTo(2);
        }
    }

    @Test
    void anEarlyResponseBeforeTheRequestBodyEndsClosesBothConnections() throws Exception {
        try (RawUpstream up =
                        new RawUpstream(
                                s -> {
                                    RawUpstream.readHead(s.getInputStream());
                                    write(
                                            s,
                                            "HTTP/1.1 413 Payload Too Large\r\ncontent-length: 8\r\n\r\ntoo big!");
                                    s.getInputStream().readAllBytes();
                                });
                Weir weir = Weir.start(Weir.simple(up.address(), ""));
                RawClient c = new RawClient(weir.port())) {
            c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\npartial");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.body()).isEqualTo("too big!");
            // the rest of the request will never be read: the connection ends with this response
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(c.closedByPeer()).isTrue();
            assertThat(weir.awaitStat("weir_cluster_upstream_cx_active{cluster=\"backend\"}", 0))
                    .isZero();
            assertThat(weir.awaitStat("weir_http_downstream_rq_active{listener=\"ingress\"}", 0))
                    .isZero();
        }
    }

    @Test
    void hopByHopRequestFieldsAreNotForwarded() throws Exception {
        List<String> heads = new CopyOnWriteArrayList<>();
        try (RawUpstream up =
                        new RawUpstream(
                                s -> {
                                    InputStream in = s.getInputStream();
                                    String head;
                                    while (!(head = RawUpstream.readHead(in)).isEmpty()) {
                                        heads.add(head.toLowerCase());
                                        write(s, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
                                    }
                                });
                Weir weir = Weir.start(Weir.simple(up.address(), ""));
                RawClient c = new RawClient(weir.port())) {
            c.send(
                    "GET /h HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, x-private\r\nX-Private: 1\r\n"
                            + "Keep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: gzip\r\nX-Kept: yes\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            String head = heads.get(0);
            assertThat(head).contains("\r\nx-kept: yes\r\n");
            assertThat(head)
                    .doesNotContain(
                            "x-private",
                            "keep-alive",
                            "proxy-connection",
                            "\r\nte:",
                            "\r\nconnection:");
        }
    }

    @Test
    void aClientConnectionCloseGetsConnectionCloseAndTheUpstreamConnectionIsKept()
            throws Exception {
        try (TestUpstream up = new TestUpstream("a");
                Weir weir = Weir.start(Weir.simple(up.address(), ""))) {
            for (int i = 0; i < 3; i++) {
                try (RawClient c = new RawClient(weir.port())) {
                    c.send("GET /cc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                    RawClient.Response r = c.read();
                    assertThat(r.status()).isEqualTo(200);
                    assertThat(r.header("connection")).isEqualTo("close");
                    assertThat(r.body()).doesNotContain("h:connection=close");
                    assertThat(c.closedByPeer()).isTrue();
                }
            }
            assertThat(up.connections()).isEqualTo(1);
        }
    }

    @Test
    void idlePooledConnectionsAreClosedAfterTheClusterIdleTimeout() throws Exception {
        try (TestUpstream up = new TestUpstream("a");
                Weir weir =
                        Weir.start(
                                Weir.simple(up.address(), "")
                                        .replace(
                                                "connect_timeout: 1s",
                                                "connect_timeout: 1s\n    idle_timeout: 100ms"));
                RawClient c = new RawClient(weir.port())) {
            assertThat(get(c, "/a").status()).isEqualTo(200);
            assertThat(weir.stat("weir_cluster_upstream_cx_active{cluster=\"backend\"}"))
                    .isEqualTo(1);
            assertThat(weir.awaitStat("weir_cluster_upstream_cx_active{cluster=\"backend\"}", 0))
                    .isZero();
            assertThat(get(c, "/b").status()).isEqualTo(200);
            assertThat(up.connections()).isEqualTo(2);
        }
    }

    @Test
    void endpointsGivenByNameAreResolved() throws Exception {
        try (TestUpstream up = new TestUpstream("a");
                Weir weir = Weir.start(Weir.simple("localhost:" + up.port(), ""));
                RawClient c = new RawClient(weir.port())) {
            // the first lookup may still be under way: /ready says so until it is done
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (weir.admin("GET", "/ready").status() != 200 && System.nanoTime() < deadline) {
                Thread.yield();
            }
            assertThat(weir.admin("GET", "/ready").body()).isEqualTo("LIVE\n");
            RawClient.Response r = get(c, "/dns");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).contains("uri=/dns\n");
        }
    }
}
