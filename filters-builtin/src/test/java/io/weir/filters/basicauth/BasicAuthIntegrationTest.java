package io.weir.filters.basicauth;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code weir.basic_auth} in a real Weir in front of a real upstream. */
class BasicAuthIntegrationTest {
    @TempDir Path dir;
    Path file;
    String aliceHash;
    Hashes.Check check;
    VerifyPool pool;

    @BeforeEach
    void setUp() throws Exception {
        aliceHash = Hashes.bcrypt("wonderland");
        file =
                Files.writeString(
                        dir.resolve("htpasswd"),
                        "alice:" + aliceHash + "\nbob:" + Hashes.bcrypt("builder") + "\n");
        check = new Hashes.Check();
        pool = new VerifyPool(2, 8, check);
    }

    @AfterEach
    void tearDown() {
        pool.shutdown();
    }

    FilterRegistry registry() {
        return FilterRegistry.of(
                Map.of(BasicAuthFilterFactory.NAME, new BasicAuthFilterFactory(pool)));
    }

    String yaml(String upstream) {
        return """
                admin: { address: 127.0.0.1:0 }
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                      filters:
                        - name: weir.basic_auth
                          config:
                            htpasswd_file: "%s"
                            forward_username_header: x-user
                      virtual_hosts:
                        - name: d
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/" }
                              route: { cluster: backend }
                clusters:
                  - name: backend
                    endpoints: [{ address: %s }]
                """
                .formatted(file, upstream);
    }

    static RawClient.Response get(Weir w, String extra) throws Exception {
        try (RawClient c = new RawClient(w.port())) {
            c.send("GET /p HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n");
            return c.read();
        }
    }

    @Test
    void theRightPasswordReachesTheUpstreamWithTheUserName() throws Exception {
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address()), 1, registry())) {
            RawClient.Response r =
                    get(
                            w,
                            "authorization: "
                                    + Hashes.basic("alice:wonderland")
                                    + "\r\nx-user: root\r\n");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body())
                    .contains("h:x-user=alice\n")
                    .doesNotContain("root")
                    .doesNotContain("authorization");
            assertThat(w.awaitStat("weir_basic_auth_allowed_total{filter=\"weir.basic_auth\"}", 1))
                    .isEqualTo(1);
        }
    }

    @Test
    void wrongMissingAndMalformedCredentialsGet401WithTheChallenge() throws Exception {
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address()), 1, registry())) {
            for (String extra :
                    new String[] {
                        "authorization: " + Hashes.basic("alice:wrong") + "\r\n",
                        "",
                        "authorization: Basic %%%\r\n",
                        "authorization: Basic " + "bm9jb2xvbg==" + "\r\n",
                        "authorization: Digest x\r\n"
                    }) {
                RawClient.Response r = get(w, extra);
                assertThat(r.status()).as(extra).isEqualTo(401);
                assertThat(r.header("www-authenticate")).isEqualTo("Basic realm=\"weir\"");
                assertThat(r.body()).startsWith("User authentication failed.");
            }
            assertThat(up.requests()).isZero();
        }
    }

    @Test
    void aSlowVerificationDoesNotBlockTheWorker() throws Exception {
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address()), 1, registry())) {
            check.gate = new CountDownLatch(1);
            CompletableFuture<RawClient.Response> slow =
                    CompletableFuture.supplyAsync(
                            () -> {
                                try {
                                    return get(
                                            w,
                                            "authorization: "
                                                    + Hashes.basic("bob:builder")
                                                    + "\r\n");
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (check.started.get() == 0 && System.nanoTime() < deadline) {
                Thread.yield(); // until bcrypt for bob is stuck on the gate
            }
            assertThat(check.started).hasValue(1);
            // the only worker still answers
            assertThat(get(w, "").status()).isEqualTo(401);
            assertThat(slow).isNotDone();
            check.gate.countDown();
            RawClient.Response r = slow.get(10, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).contains("h:x-user=bob\n");
        }
    }

    @Test
    void configDumpShowsNoHashOrPassword() throws Exception {
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address()), 1, registry())) {
            assertThat(
                            get(w, "authorization: " + Hashes.basic("alice:wonderland") + "\r\n")
                                    .status())
                    .isEqualTo(200);
            RawClient.Response r = w.admin("GET", "/config_dump");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body())
                    .contains("weir.basic_auth")
                    .contains("htpasswd_file")
                    .doesNotContain(aliceHash)
                    .doesNotContain(aliceHash.substring(7, 29))
                    .doesNotContain("wonderland")
                    .doesNotContain(Hashes.basic("alice:wonderland").substring(6));
        }
    }
}
