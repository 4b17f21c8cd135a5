package io.weir.kernel.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Upstream keep-alive reuse and load balancing, against real upstream servers. */
@ExtendWith(NettyLeakCheck.class)
class UpstreamPoolIntegrationTest {

    private static String cluster(String lbPolicy, String... addresses) {
        StringBuilder eps = new StringBuilder();
        for (String a : addresses) {
            eps.append("      - address: ").append(a).append('\n');
        }
        return """
                admin: { address: 127.0.0.1:0 }
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                      virtual_hosts:
                        - name: default
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/" }
                              route: { cluster: backend }
                clusters:
                  - name: backend
                    lb_policy: %s
                    endpoints:
                %s"""
                .formatted(lbPolicy, eps);
    }

    private static RawClient.Response get(RawClient c, String path) throws Exception {
        c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
        return c.read();
    }

    @Test
    void fiftySequentialRequestsShareOneUpstreamConnection() throws Exception {
        try (TestUpstream up = new TestUpstream("a");
                Weir weir = Weir.start(Weir.simple(up.address(), ""));
                RawClient c = new RawClient(weir.port())) {
            for (int i = 0; i < 50; i++) {
                RawClient.Response r = get(c, "/seq/" + i);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).contains("uri=/seq/" + i + "\n");
            }
            assertThat(up.requests()).isEqualTo(50);
            assertThat(up.connections()).isEqualTo(1);
            assertThat(weir.stat("weir_cluster_upstream_cx_total{cluster=\"backend\"}"))
                    .isEqualTo(1);
            assertThat(weir.stat("weir_cluster_upstream_cx_active{cluster=\"backend\"}"))
                    .isEqualTo(1);
            assertThat(weir.stat("weir_cluster_upstream_rq_total{cluster=\"backend\"}"))
                    .isEqualTo(50);
        }
    }

    @Test
    void successiveDownstreamConnectionsReuseThePooledUpstreamConnection() throws Exception {
        try (TestUpstream up = new TestUpstream("a");
                Weir weir = Weir.start(Weir.simple(up.address(), ""))) {
            for (int i = 0; i < 20; i++) {
                try (RawClient c = new RawClient(weir.port())) {
                    assertThat(get(c, "/c" + i).status()).isEqualTo(200);
                }
            }
            assertThat(up.connections()).isEqualTo(1);
        }
    }

    @Test
    void concurrentClientsOnTwoWorkersOpenNoMoreUpstreamConnectionsThanClients() throws Exception {
        int clients = 6;
        int perClient = 25;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try (TestUpstream up = new TestUpstream("a");
                Weir weir = Weir.start(Weir.simple(up.address(), ""), 2)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> done = new ArrayList<>();
            for (int k = 0; k < clients; k++) {
                int id = k;
                done.add(
                        pool.submit(
                                () -> {
                                    go.await(5, TimeUnit.SECONDS);
                                    int ok = 0;
                                    try (RawClient c = new RawClient(weir.port())) {
                                        for (int i = 0; i < perClient; i++) {
                                            RawClient.Response r = get(c, "/k" + id + "/" + i);
                                            if (r.status() == 200
                                                    && r.body()
                                                            .contains(
                                                                    "uri=/k" + id + "/" + i
                                                                            + "\n")) {
                                                ok++;
                                            }
                                        }
                                    }
                                    return ok;
                                }));
            }
            go.countDown();
            for (Future<Integer> f : done) {
                assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(perClient);
            }
            assertThat(up.requests()).isEqualTo(clients * perClient);
            // each worker opens at most one connection per request it has in flight; a connection
            // the upstream closed (the JDK server may) is replaced, and only that one
            int closedByUpstream =
                    (int) weir.stat("weir_cluster_upstream_cx_destroy_remote{cluster=\"backend\"}");
            assertThat(up.connections())
                    .as("upstream connections (%d closed by the upstream)", closedByUpstream)
                    .isBetween(1, clients + closedByUpstream);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void roundRobinSpreadsSequentialRequestsEvenly() throws Exception {
        try (TestUpstream a = new TestUpstream("a");
                TestUpstream b = new TestUpstream("b");
                TestUpstream c3 = new TestUpstream("c");
                Weir weir =
                        Weir.start(cluster("round_robin", a.address(), b.address(), c3.address()));
                RawClient c = new RawClient(weir.port())) {
            List<String> order = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                order.add(get(c, "/rr").header("x-upstream"));
            }
            assertThat(a.requests()).isEqualTo(10);
            assertThat(b.requests()).isEqualTo(10);
            assertThat(c3.requests()).isEqualTo(10);
            // strictly in turn: every window of three has each host once
            for (int i = 0; i + 3 <= order.size(); i += 3) {
                assertThat(order.subList(i, i + 3)).containsExactlyInAnyOrder("a", "b", "c");
            }
            // one pooled connection per host
            assertThat(a.connections() + b.connections() + c3.connections()).isEqualTo(3);
        }
    }

    @Test
    void randomPicksOnlyTheListedHostsAndUsesBoth() throws Exception {
        try (TestUpstream a = new TestUpstream("a");
                TestUpstream b = new TestUpstream("b");
                TestUpstream unlisted = new TestUpstream("unlisted");
                Weir weir = Weir.start(cluster("random", a.address(), b.address()));
                RawClient c = new RawClient(weir.port())) {
            for (int i = 0; i < 200; i++) {
                assertThat(get(c, "/r").status()).isEqualTo(200);
            }
            assertThat(unlisted.requests()).isZero();
            assertThat(a.requests() + b.requests()).isEqualTo(200);
            // Binomial(200, 0.5): sd 7.1, so 60..140 is more than 5 sigma either way
            assertThat(a.requests()).isBetween(60, 140);
        }
    }

    @Test
    void leastRequestAvoidsTheBusyHost() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocked = new CountDownLatch(1);
        com.sun.net.httpserver.HttpHandler block =
                ex -> {
                    blocked.countDown();
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    byte[] body = "released".getBytes(StandardCharsets.UTF_8);
                    ex.sendResponseHeaders(200, body.length);
                    ex.getResponseBody().write(body);
                    ex.close();
                };
        try (TestUpstream a = new TestUpstream("a").on("/block", block);
                TestUpstream b = new TestUpstream("b").on("/block", block);
                TestUpstream unlisted = new TestUpstream("unlisted");
                Weir weir = Weir.start(cluster("least_request", a.address(), b.address()));
                RawClient slow = new RawClient(weir.port());
                RawClient c = new RawClient(weir.port())) {
            slow.send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(blocked.await(5, TimeUnit.SECONDS)).isTrue();
            boolean aBusy = a.requests() == 1;
            int before = a.requests() + b.requests();
            assertThat(before).isEqualTo(1);
            for (int i = 0; i < 200; i++) {
                assertThat(get(c, "/lr").status()).isEqualTo(200);
            }
            int busy = (aBusy ? a.requests() : b.requests()) - 1;
            int idle = aBusy ? b.requests() : a.requests();
            assertThat(busy + idle).isEqualTo(200);
            assertThat(unlisted.requests()).isZero();
            // two random choices: the busy host wins only when both choices are it (p = 1/4),
            // so about 50 of 200 (sd 6.1); the idle host gets about 150
            assertThat(busy).isBetween(15, 85);
            assertThat(idle).isGreaterThan(busy);
            release.countDown();
            assertThat(slow.read().body()).isEqualTo("released");
        } finally {
            release.countDown();
        }
    }

    private static String limited(String address) {
        return Weir.simple(address, "")
                .replace(
                        "connect_timeout: 1s",
                        "connect_timeout: 1s\n    max_connections_per_endpoint: 1\n    max_pending_requests: 1");
    }

    @Test
    void requestsBeyondTheConnectionAndPendingLimitsGet503Overflow() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocked = new CountDownLatch(1);
        try (TestUpstream up = new TestUpstream("a").on("/block", blocking(blocked, release));
                Weir weir = Weir.start(limited(up.address()));
                RawClient first = new RawClient(weir.port());
                RawClient second = new RawClient(weir.port());
                RawClient third = new RawClient(weir.port())) {
            first.send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(blocked.await(5, TimeUnit.SECONDS)).isTrue();
            // the only connection is busy: this one waits for it
            second.send("GET /queued HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(weir.awaitStat("weir_cluster_upstream_rq_active{cluster=\"backend\"}", 2))
                    .isEqualTo(2);
            // and the queue is full
            RawClient.Response over = get(third, "/over");
            assertThat(over.status()).isEqualTo(503);
            assertThat(over.body()).isEqualTo("upstream overflow\n");
            assertThat(weir.stat("weir_cluster_upstream_rq_pending_overflow{cluster=\"backend\"}"))
                    .isEqualTo(1);
            release.countDown();
            assertThat(first.read().body()).isEqualTo("released");
            assertThat(second.read().body()).contains("uri=/queued\n");
            assertThat(up.connections()).isEqualTo(1);
        } finally {
            release.countDown();
        }
    }

    @Test
    void aWaiterWhoseClientLeftNoLongerTakesAPendingSlot() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocked = new CountDownLatch(1);
        try (TestUpstream up = new TestUpstream("a").on("/block", blocking(blocked, release));
                Weir weir = Weir.start(limited(up.address()));
                RawClient first = new RawClient(weir.port());
                RawClient third = new RawClient(weir.port())) {
            first.send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(blocked.await(5, TimeUnit.SECONDS)).isTrue();
            try (RawClient second = new RawClient(weir.port())) {
                second.send("GET /gone HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(
                                weir.awaitStat(
                                        "weir_cluster_upstream_rq_active{cluster=\"backend\"}", 2))
                        .isEqualTo(2);
            }
            // the waiting client left: its place in the queue is free again
            assertThat(weir.awaitStat("weir_cluster_upstream_rq_active{cluster=\"backend\"}", 1))
                    .isEqualTo(1);
            third.send("GET /queued HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(weir.awaitStat("weir_cluster_upstream_rq_active{cluster=\"backend\"}", 2))
                    .isEqualTo(2);
            assertThat(weir.stat("weir_cluster_upstream_rq_pending_overflow{cluster=\"backend\"}"))
                    .isZero();
            release.countDown();
            assertThat(first.read().body()).isEqualTo("released");
            RawClient.Response queued = third.read();
            assertThat(queued.status()).isEqualTo(200);
            assertThat(queued.body()).contains("uri=/queued\n");
            // the request whose client left never reached the upstream
            assertThat(up.requests()).isEqualTo(2);
        } finally {
            release.countDown();
        }
    }

    private static com.sun.net.httpserver.HttpHandler blocking(
            CountDownLatch blocked, CountDownLatch release) {
        return ex -> {
            blocked.countDown();
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "released".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        };
    }
}
