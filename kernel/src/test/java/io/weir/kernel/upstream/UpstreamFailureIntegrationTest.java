package io.weir.kernel.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.RawUpstream;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way an upstream can fail, with the status the client gets, the response flag and details in
 * the access log (JSON, read after Weir is closed so every entry is flushed) and the stats.
 */
@ExtendWith(NettyLeakCheck.class)
class UpstreamFailureIntegrationTest {
    @TempDir Path dir;

    private String config(String endpoint, String routeExtra) {
        return """
                admin: { address: 127.0.0.1:0 }
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                      access_log: [{ path: "%s", format: json }]
                      virtual_hosts:
                        - name: default
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/" }
                              route: { cluster: backend%s }
                clusters:
                  - name: backend
                    connect_timeout: 2s
                    endpoints: [{ address: "%s" }]
                """
                .formatted(dir.resolve("access.json"), routeExtra, endpoint);
    }

    /** The access log's lines, once Weir is closed. */
    private List<String> accessLog() throws Exception {
        return Files.readAllLines(dir.resolve("access.json"));
    }

    private static RawClient.Response get(Weir weir, String path) throws Exception {
        try (RawClient c = new RawClient(weir.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
            return c.read();
        }
    }

    @Test
    void unresolvableHostIs503NoHealthyUpstream() throws Exception {
        try (Weir weir = Weir.start(config("nowhere.invalid:80", ""))) {
            RawClient.Response r = get(weir, "/a");
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.body()).isEqualTo("no healthy upstream\n");
            assertThat(weir.stat("weir_cluster_upstream_cx_total{cluster=\"backend\"}")).isZero();
        }
        assertThat(accessLog())
                .singleElement()
                .asString()
                .contains("\"response_code\":503", "\"response_flags\":\"UH\"")
                .contains("\"response_code_details\":\"no_healthy_upstream\"");
    }

    @Test
    void refusedConnectIs503ConnectionFailure() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (Weir weir = Weir.start(config("127.0.0.1:" + port, ""))) {
            for (int i = 0; i < 3; i++) {
                RawClient.Response r = get(weir, "/a");
                assertThat(r.status()).isEqualTo(503);
                assertThat(r.body())
                        .isEqualTo(
                                "upstream connect error or disconnect/reset before headers. reset"
                                        + " reason: connection failure\n");
            }
            assertThat(weir.stat("weir_cluster_upstream_cx_connect_fail{cluster=\"backend\"}"))
                    .isEqualTo(3);
            assertThat(weir.stat("weir_cluster_upstream_cx_active{cluster=\"backend\"}")).isZero();
            assertThat(weir.awaitStat("weir_cluster_upstream_rq_active{cluster=\"backend\"}", 0))
                    .isZero();
        }
        assertThat(accessLog())
                .hasSize(3)
                .allSatisfy(
                        l ->
                                assertThat(l)
                                        .contains(
                                                "\"response_code\":503",
                                                "\"response_flags\":\"UF\"")
                                        .contains(
                                                "upstream_reset_before_response_started{connection_failure}"));
    }

    @Test
    void aConnectThatDoesNotCompleteTimesOutWith503() throws Exception {
        // a listening socket that never accepts, its accept queue filled: further SYNs are
        // dropped and a connect hangs until the cluster's connect_timeout
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            java.util.List<java.net.Socket> fillers = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    java.net.Socket f = new java.net.Socket();
                    try {
                        f.connect(full.getLocalSocketAddress(), 200);
                        fillers.add(f);
                    } catch (java.net.SocketTimeoutException queueFull) {
                        f.close();
                        break;
                    }
                }
                String yaml =
                        config("127.0.0.1:" + full.getLocalPort(), "")
                                .replace("connect_timeout: 2s", "connect_timeout: 250ms");
                try (Weir weir = Weir.start(yaml)) {
                    long start = System.nanoTime();
                    RawClient.Response r = get(weir, "/a");
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertThat(r.status()).isEqualTo(503);
                    assertThat(r.body())
                            .startsWith(
                                    "upstream connect error or disconnect/reset before headers.");
                    assertThat(ms).isBetween(200L, 3000L);
                    assertThat(
                                    weir.stat(
                                            "weir_cluster_upstream_cx_connect_timeout{cluster=\"backend\"}"))
                            .isEqualTo(1);
                }
            } finally {
                for (java.net.Socket f : fillers) {
                    f.close();
                }
            }
        }
        assertThat(accessLog().get(0))
                .contains("\"response_code\":503", "\"response_flags\":\"UF\"");
    }

    @Test
    void routeTimeoutIs504() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch arrived = new CountDownLatch(1);
        try (TestUpstream up =
                        new TestUpstream("slow")
                                .on(
                                        "/slow",
                                        ex -> {
                                            arrived.countDown();
                                            try {
                                                release.await(10, TimeUnit.SECONDS);
                                            } catch (InterruptedException e) {
                                                Thread.currentThread().interrupt();
                                            }
                                            ex.sendResponseHeaders(200, -1);
                                            ex.close();
                                        });
                Weir weir = Weir.start(config(up.address(), ", timeout: 200ms"))) {
            long start = System.nanoTime();
            RawClient.Response r = get(weir, "/slow");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(arrived.getCount()).isZero();
            assertThat(r.status()).isEqualTo(504);
            assertThat(r.body()).isEqualTo("upstream request timeout\n");
            assertThat(ms).isBetween(190L, 3000L);
            assertThat(weir.stat("weir_cluster_upstream_rq_timeout{cluster=\"backend\"}"))
                    .isEqualTo(1);
            release.countDown();
            // the timed-out upstream connection was dropped, the next request gets a fresh one
            RawClient.Response next = get(weir, "/fast");
            assertThat(next.status()).isEqualTo(200);
            assertThat(up.connections()).isEqualTo(2);
        } finally {
            release.countDown();
        }
        assertThat(accessLog().get(0))
                .contains(
                        "\"response_code\":504",
                        "\"response_flags\":\"UT\"",
                        "upstream_response_timeout");
    }

    @Test
    void upstreamClosingBeforeResponseHeadersIs503ConnectionTermination() throws Exception {
        try (RawUpstream up =
                        new RawUpstream(
                                s -> {
                                    RawUpstream.readHead(s.getInputStream());
                                    // close without answering
                                });
                Weir weir = Weir.start(config(up.address(), ""))) {
            RawClient.Response r = get(weir, "/a");
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.body())
                    .isEqualTo(
                            "upstream connect error or disconnect/reset before headers. reset"
                                    + " reason: connection termination\n");
            // a fresh connection is not retried
            assertThat(up.connections()).isEqualTo(1);
            assertThat(weir.stat("weir_cluster_upstream_cx_destroy_remote{cluster=\"backend\"}"))
                    .isEqualTo(1);
        }
        assertThat(accessLog().get(0))
                .contains("\"response_code\":503", "\"response_flags\":\"UC\"")
                .contains("upstream_reset_before_response_started{connection_termination}");
    }

    @Test
    void upstreamClosingMidBodyClosesTheClientConnectionBeforeTheBodyCompletes() throws Exception {
        try (RawUpstream up =
                        new RawUpstream(
                                s -> {
                                    RawUpstream.readHead(s.getInputStream());
                                    OutputStream out = s.getOutputStream();
                                    out.write(
                                            "HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n0123456789"
                                                    .getBytes(StandardCharsets.US_ASCII));
                                    out.flush();
                                });
                Weir weir = Weir.start(config(up.address(), ""));
                RawClient c = new RawClient(weir.port())) {
            c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
            InputStream in = c.socket().getInputStream();
            String head = RawUpstream.readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200 OK\r\n").contains("content-length: 1000\r\n");
            byte[] rest;
            try {
                rest = in.readAllBytes();
            } catch (SocketException reset) {
                rest = new byte[0];
            }
            // the connection ends (EOF or reset) with at most the 10 bytes sent: never 1000
            assertThat(rest.length).isLessThanOrEqualTo(10);
            assertThat(new String(rest, StandardCharsets.US_ASCII))
                    .isEqualTo("0123456789".substring(0, rest.length));
            assertThat(weir.stat("weir_cluster_upstream_cx_destroy_remote{cluster=\"backend\"}"))
                    .isEqualTo(1);
            assertThat(weir.awaitStat("weir_http_downstream_rq_active{listener=\"ingress\"}", 0))
                    .isZero();
        }
        assertThat(accessLog().get(0))
                .contains("\"response_code\":200", "\"response_flags\":\"UC\"")
                .contains("upstream_reset_after_response_started");
    }

    @Test
    void malformedUpstreamResponseIs502() throws Exception {
        try (RawUpstream up =
                        new RawUpstream(
                                s -> {
                                    RawUpstream.readHead(s.getInputStream());
                                    OutputStream out = s.getOutputStream();
                                    out.write(
                                            "HTTP/1.1 2OO OK\r\ncontent-length: 0\r\n\r\n"
                                                    .getBytes(StandardCharsets.US_ASCII));
                                    out.flush();
                                    s.getInputStream().read();
                                });
                Weir weir = Weir.start(config(up.address(), ""))) {
            RawClient.Response r = get(weir, "/a");
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.body()).isEqualTo("upstream protocol error\n");
            assertThat(weir.stat("weir_cluster_upstream_cx_protocol_error{cluster=\"backend\"}"))
                    .isEqualTo(1);
        }
        assertThat(accessLog().get(0))
                .contains(
                        "\"response_code\":502",
                        "\"response_flags\":\"UPE\"",
                        "upstream_protocol_error");
    }
}
