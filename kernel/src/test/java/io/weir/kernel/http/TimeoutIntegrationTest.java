package io.weir.kernel.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.RawUpstream;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The downstream idle timeout and the route timeout once a response has started. */
@ExtendWith(NettyLeakCheck.class)
class TimeoutIntegrationTest {

    private static String withIdleTimeout(String address, String idle) {
        return Weir.simple(address, "")
                .replace("    http:\n", "    http:\n      idle_timeout: " + idle + "\n");
    }

    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        try (TestUpstream up = new TestUpstream("a");
                Weir weir = Weir.start(withIdleTimeout(up.address(), "300ms"));
                RawClient c = new RawClient(weir.port())) {
            long start = System.nanoTime();
            assertThat(c.closedByPeer()).isTrue();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(ms).isBetween(250L, 3000L);
            assertThat(weir.stat("weir_http_downstream_cx_idle_timeout{listener=\"ingress\"}"))
                    .isEqualTo(1);
        }
    }

    @Test
    void theIdleTimeoutRunsFromTheEndOfTheLastResponse() throws Exception {
        try (TestUpstream up = new TestUpstream("a");
                Weir weir = Weir.start(withIdleTimeout(up.address(), "300ms"));
                RawClient c = new RawClient(weir.port())) {
            c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            long start = System.nanoTime();
            assertThat(c.closedByPeer()).isTrue();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            // not at the request-header (10 s) or route (5 s) deadlines armed for the request
            assertThat(ms).isBetween(250L, 3000L);
            assertThat(weir.stat("weir_http_downstream_cx_idle_timeout{listener=\"ingress\"}"))
                    .isEqualTo(1);
        }
    }

    @Test
    void theIdleTimeoutRunsFromTheEndOfAResponseSlowerThanIt() throws Exception {
        // the upstream takes 600 ms, twice the idle timeout, to answer
        try (TestUpstream up =
                        new TestUpstream("a")
                                .on(
                                        "/slow",
                                        ex -> {
                                            try {
                                                new CountDownLatch(1)
                                                        .await(600, TimeUnit.MILLISECONDS);
                                            } catch (InterruptedException e) {
                                                Thread.currentThread().interrupt();
                                            }
                                            ex.sendResponseHeaders(200, -1);
                                            ex.close();
                                        });
                Weir weir = Weir.start(withIdleTimeout(up.address(), "300ms"));
                RawClient c = new RawClient(weir.port())) {
            c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            long start = System.nanoTime();
            assertThat(c.closedByPeer()).isTrue();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            // 300 ms after the response, not at the route deadline (5 s) armed for the request
            assertThat(ms).isBetween(250L, 3000L);
        }
    }

    @Test
    void aRouteTimeoutAfterTheResponseStartedResetsTheClient() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (RawUpstream up =
                        new RawUpstream(
                                s -> {
                                    RawUpstream.readHead(s.getInputStream());
                                    OutputStream out = s.getOutputStream();
                                    out.write(
                                            "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nfirst"
                                                    .getBytes(StandardCharsets.US_ASCII));
                                    out.flush();
                                    release.await(10, TimeUnit.SECONDS);
                                });
                Weir weir =
                        Weir.start(
                                Weir.simple(up.address(), "")
                                        .replace("timeout: 5s", "timeout: 300ms"));
                RawClient c = new RawClient(weir.port())) {
            long start = System.nanoTime();
            c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            InputStream in = c.socket().getInputStream();
            assertThat(RawUpstream.readHead(in))
                    .startsWith("HTTP/1.1 200 OK\r\n")
                    .contains("content-length: 100\r\n");
            byte[] rest;
            try {
                rest = in.readAllBytes();
            } catch (SocketException reset) {
                rest = new byte[0];
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(rest.length).isLessThanOrEqualTo(5);
            assertThat(ms).isBetween(250L, 5000L);
            assertThat(weir.stat("weir_cluster_upstream_rq_timeout{cluster=\"backend\"}"))
                    .isEqualTo(1);
            assertThat(weir.awaitStat("weir_cluster_upstream_cx_active{cluster=\"backend\"}", 0))
                    .isZero();
        } finally {
            release.countDown();
        }
    }
}
