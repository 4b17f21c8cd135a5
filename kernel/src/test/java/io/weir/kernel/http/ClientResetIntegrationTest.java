package io.weir.kernel.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.testing.LogCapture;
import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.RawUpstream;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client that resets its connection mid-request or mid-response: the upstream connection is
 * closed too (nothing leaks: the gauges return to 0), nothing is logged as unexpected, and Weir
 * keeps serving.
 */
@ExtendWith(NettyLeakCheck.class)
class ClientResetIntegrationTest {
    private static final String CX_ACTIVE = "weir_cluster_upstream_cx_active{cluster=\"backend\"}";
    private static final String UP_RQ_ACTIVE =
            "weir_cluster_upstream_rq_active{cluster=\"backend\"}";
    private static final String RQ_ACTIVE = "weir_http_downstream_rq_active{listener=\"ingress\"}";
    private static final String CX_DOWN_ACTIVE =
            "weir_http_downstream_cx_active{listener=\"ingress\"}";
    private static final String DESTROY_ACTIVE =
            "weir_http_downstream_cx_destroy_remote_active_rq{listener=\"ingress\"}";

    private static final CountDownLatch[] hold = {new CountDownLatch(0)};
    private static final CountDownLatch[] holding = {new CountDownLatch(1)};
    private static TestUpstream up;
    private static Weir weir;
    private LogCapture log;

    @BeforeAll
    static void start() throws Exception {
        up =
                new TestUpstream("a")
                        .on(
                                "/hold",
                                ex -> {
                                    holding[0].countDown();
                                    try {
                                        hold[0].await(10, TimeUnit.SECONDS);
                                    } catch (InterruptedException e) {
                                        Thread.currentThread().interrupt();
                                    }
                                    ex.sendResponseHeaders(200, -1);
                                    ex.close();
                                })
                        .on(
                                "/big",
                                ex -> {
                                    ex.sendResponseHeaders(200, 50L << 20);
                                    byte[] buf = new byte[65536];
                                    try (OutputStream o = ex.getResponseBody()) {
                                        for (int i = 0; i < 800; i++) {
                                            o.write(buf);
                                        }
                                    }
                                });
        weir = Weir.start(Weir.simple(up.address(), ""));
    }

    @AfterAll
    static void stop() {
        weir.close();
        up.close();
    }

    @BeforeEach
    void capture() {
        log = LogCapture.start();
    }

    @AfterEach
    void afterEach() throws Exception {
        log.close();
        // nothing held: no upstream connection, no stream, no downstream connection
        assertThat(weir.awaitStat(CX_ACTIVE, 0)).as("upstream connections open").isZero();
        assertThat(weir.awaitStat(UP_RQ_ACTIVE, 0)).as("upstream requests active").isZero();
        assertThat(weir.awaitStat(RQ_ACTIVE, 0)).as("downstream requests active").isZero();
        assertThat(weir.awaitStat(CX_DOWN_ACTIVE, 0)).as("downstream connections open").isZero();
        // and Weir keeps serving
        try (RawClient c = new RawClient(weir.port())) {
            c.send("GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).contains("uri=/after\n");
        }
        assertThat(log.text()).doesNotContain("WARN io.weir");
    }

    /** A connected socket whose close() sends a reset (RST), not a FIN. */
    private static Socket resettingSocket() throws Exception {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", weir.port()), 5000);
        s.setSoTimeout(10_000);
        s.setSoLinger(true, 0);
        return s;
    }

    @Test
    void resetMidRequestBodyClosesTheUpstreamConnection() throws Exception {
        double before = weir.stat(DESTROY_ACTIVE);
        try (Socket s = resettingSocket()) {
            OutputStream out = s.getOutputStream();
            out.write(
                    "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[1 << 20]);
            out.flush();
            // the request went upstream (with part of the body) before the client goes
            assertThat(weir.awaitStat(UP_RQ_ACTIVE, 1)).isEqualTo(1);
        }
        assertThat(weir.awaitStat(DESTROY_ACTIVE, before + 1)).isEqualTo(before + 1);
    }

    @Test
    void resetWhileWaitingForResponseHeadersClosesTheUpstreamConnection() throws Exception {
        hold[0] = new CountDownLatch(1);
        holding[0] = new CountDownLatch(1);
        try (Socket s = resettingSocket()) {
            s.getOutputStream()
                    .write(
                            "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n"
                                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(holding[0].await(5, TimeUnit.SECONDS)).isTrue();
        } finally {
            // the upstream answers only after Weir has dropped its connection
            assertThat(weir.awaitStat(CX_ACTIVE, 0)).isZero();
            hold[0].countDown();
        }
    }

    @Test
    void resetMidResponseBodyClosesTheUpstreamConnection() throws Exception {
        try (Socket s = resettingSocket()) {
            s.getOutputStream()
                    .write(
                            "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"
                                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String head = RawUpstream.readHead(in);
            assertThat(head)
                    .startsWith("HTTP/1.1 200 OK\r\n")
                    .contains("content-length: 52428800\r\n");
            assertThat(in.readNBytes(100_000)).hasSize(100_000);
        }
    }

    @Test
    void closeMidResponseBodyWithFinClosesTheUpstreamConnection() throws Exception {
        try (RawClient c = new RawClient(weir.port())) {
            c.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
            InputStream in = c.socket().getInputStream();
            RawUpstream.readHead(in);
            assertThat(in.readNBytes(10_000)).hasSize(10_000);
            c.socket().shutdownOutput();
        }
    }
}
