package io.weir.kernel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NettyLeakCheck.class)
class GracefulShutdownIntegrationTest {

    /**
     * Connects until refused (the listener closes asynchronously); false if still open after 5 s.
     */
    private static boolean refusesConnections(int port) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            } catch (ConnectException refused) {
                return true;
            }
        }
        return false;
    }

    @Test
    void quitQuitQuitDrainsTheInFlightRequestThenStops() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch arrived = new CountDownLatch(1);
        try (TestUpstream up =
                        new TestUpstream("a")
                                .on(
                                        "/block",
                                        ex -> {
                                            arrived.countDown();
                                            try {
                                                release.await(20, TimeUnit.SECONDS);
                                            } catch (InterruptedException e) {
                                                Thread.currentThread().interrupt();
                                            }
                                            byte[] b = "released".getBytes(StandardCharsets.UTF_8);
                                            ex.sendResponseHeaders(200, b.length);
                                            ex.getResponseBody().write(b);
                                            ex.close();
                                        });
                Weir weir =
                        Weir.start(
                                Weir.simple(up.address(), "")
                                        .replace("timeout: 5s", "timeout: 30s"));
                RawClient inFlight = new RawClient(weir.port());
                RawClient idle = new RawClient(weir.port())) {
            int port = weir.port();
            idle.send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(idle.read().status()).isEqualTo(200);
            inFlight.send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(arrived.await(5, TimeUnit.SECONDS)).isTrue();

            RawClient.Response quit = weir.admin("POST", "/quitquitquit");
            assertThat(quit.status()).isEqualTo(200);
            assertThat(quit.body()).isEqualTo("OK\n");

            RawClient.Response ready = weir.admin("GET", "/ready");
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.body()).isEqualTo("DRAINING\n");
            assertThat(refusesConnections(port)).as("new connections refused").isTrue();
            // an idle keep-alive connection is closed at once
            assertThat(idle.closedByPeer()).isTrue();
            assertThat(weir.server.terminated()).isNotDone();

            release.countDown();
            RawClient.Response r = inFlight.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("released");
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(inFlight.closedByPeer()).isTrue();
            weir.server.terminated().get(10, TimeUnit.SECONDS);
            assertThat(refusesConnections(weir.adminPort())).as("admin closed too").isTrue();
        } finally {
            release.countDown();
        }
    }
}
