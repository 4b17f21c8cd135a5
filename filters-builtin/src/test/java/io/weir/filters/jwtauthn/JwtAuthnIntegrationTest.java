package io.weir.filters.jwtauthn;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import com.sun.net.httpserver.HttpServer;
import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code weir.jwt_authn} in a real Weir in front of a real upstream (and a real JWKS server). */
class JwtAuthnIntegrationTest {
    static final FilterRegistry REGISTRY =
            FilterRegistry.of(Map.of(JwtAuthnFilterFactory.NAME, new JwtAuthnFilterFactory()));

    @TempDir Path dir;

    static String yaml(String upstream, String filterConfig, String idp) {
        return """
                admin: { address: 127.0.0.1:0 }
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                      filters:
                        - name: weir.jwt_authn
                          config: %s
                      virtual_hosts:
                        - name: d
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/" }
                              route: { cluster: backend }
                clusters:
                  - name: backend
                    endpoints: [{ address: %s }]
                  - name: idp
                    connect_timeout: 1s
                    endpoints: [{ address: %s }]
                """
                .formatted(filterConfig, upstream, idp);
    }

    static RawClient.Response get(Weir w, String token) throws Exception {
        try (RawClient c = new RawClient(w.port())) {
            c.send(
                    "GET /orders HTTP/1.1\r\nHost: shop.example\r\nx-jwt-sub: mallory\r\n"
                            + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
                            + "\r\n");
            return c.read();
        }
    }

    static void assert401(RawClient.Response r, String body) {
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.body()).isEqualTo(body);
        assertThat(r.header("www-authenticate"))
                .isEqualTo("Bearer realm=\"http://shop.example/orders\", error=\"invalid_token\"");
    }

    static String fileConfig(Path jwks) {
        return "{ providers: [{ name: main, issuer: \""
                + Tokens.ISSUER
                + "\", audiences: ["
                + Tokens.AUDIENCE
                + "], jwks: { file: \""
                + jwks
                + "\" }, forward_claims: { sub: x-jwt-sub } }],"
                + " rules: [{ match: { prefix: / }, requires: main }] }";
    }

    /** Claims around the real clock (Weir's clock is the real one here). */
    static JWTClaimsSet.Builder now() {
        long t = System.currentTimeMillis();
        return Tokens.claims()
                .issueTime(new Date(t - 60_000))
                .notBeforeTime(new Date(t - 60_000))
                .expirationTime(new Date(t + 3_600_000));
    }

    @Test
    void mustShow_rs256JwksFile_validPasses_expiredWrongAudienceAlgNoneTamperedMissingGet401()
            throws Exception {
        Path jwks = dir.resolve("jwks.json");
        Files.writeString(jwks, Tokens.jwks(Tokens.RSA.toPublicJWK()));
        try (TestUpstream up = new TestUpstream("up");
                Weir w =
                        Weir.start(
                                yaml(up.address(), fileConfig(jwks), "127.0.0.1:1"), 1, REGISTRY)) {
            String valid = Tokens.sign(JWSAlgorithm.RS256, Tokens.RSA, now().build());
            RawClient.Response ok = get(w, valid);
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.body())
                    .contains("h:x-jwt-sub=alice\n")
                    .doesNotContain("mallory")
                    .doesNotContain(valid);

            long t = System.currentTimeMillis();
            String expired =
                    Tokens.sign(
                            JWSAlgorithm.RS256,
                            Tokens.RSA,
                            now().expirationTime(new Date(t - 120_000)).build());
            assert401(get(w, expired), "Jwt is expired");
            String wrongAud =
                    Tokens.sign(
                            JWSAlgorithm.RS256, Tokens.RSA, now().audience("someone-else").build());
            assert401(get(w, wrongAud), "Audiences in Jwt are not allowed");
            assert401(get(w, Tokens.algNone(now().build())), "Jwt verification fails");
            String[] p = valid.split("\\.");
            String tampered =
                    p[0] + "." + Tokens.b64(now().subject("admin").build().toString()) + "." + p[2];
            assert401(get(w, tampered), "Jwt verification fails");
            RawClient.Response missing = get(w, null);
            assertThat(missing.status()).isEqualTo(401);
            assertThat(missing.body()).isEqualTo("Jwt is missing");
            assertThat(missing.header("www-authenticate"))
                    .isEqualTo("Bearer realm=\"http://shop.example/orders\"");
            assertThat(up.requests()).isEqualTo(1);
            assertThat(
                            w.awaitStat(
                                    "weir_jwt_authn_denied_total{filter=\"weir.jwt_authn\",reason=\"signature\"}",
                                    1))
                    .isEqualTo(1);
        }
    }

    /** A JWKS server whose document the test changes; {@code delay} holds each answer. */
    static final class Idp implements AutoCloseable {
        final HttpServer server;
        final AtomicReference<String> jwks = new AtomicReference<>();
        final AtomicInteger hits = new AtomicInteger();
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean slow;

        Idp(String doc) throws Exception {
            jwks.set(doc);
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
            server.createContext(
                    "/keys",
                    ex -> {
                        hits.incrementAndGet();
                        if (slow) {
                            try {
                                release.await(10, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                        byte[] b = jwks.get().getBytes(StandardCharsets.UTF_8);
                        ex.getResponseHeaders().add("content-type", "application/json");
                        ex.sendResponseHeaders(200, b.length);
                        ex.getResponseBody().write(b);
                        ex.close();
                    });
            server.start();
        }

        String address() {
            return "127.0.0.1:" + server.getAddress().getPort();
        }

        @Override
        public void close() {
            release.countDown();
            server.stop(0);
        }
    }

    static String remoteConfig(String extra) {
        return "{ providers: [{ name: idp, issuer: \""
                + Tokens.ISSUER
                + "\", jwks: { uri: \"http://idp.example/keys\", cluster: idp"
                + extra
                + " }, forward_claims: { sub: x-jwt-sub } }], rules: [{ match: { prefix: / }, requires: idp }] }";
    }

    @Test
    void aRotatedKeyIsAcceptedAfterARefetchAndARemovedKeyIsRefused() throws Exception {
        try (Idp idp = new Idp(Tokens.jwks(Tokens.RSA.toPublicJWK()));
                TestUpstream up = new TestUpstream("up");
                Weir w =
                        Weir.start(
                                yaml(
                                        up.address(),
                                        remoteConfig(", refetch_min_interval: 1ms"),
                                        idp.address()),
                                2,
                                REGISTRY)) {
            String old = Tokens.sign(JWSAlgorithm.RS256, Tokens.RSA, now().build());
            assertThat(get(w, old).status()).isEqualTo(200);
            assertThat(idp.hits.get()).isEqualTo(1);
            idp.jwks.set(Tokens.jwks(Tokens.RSA_2.toPublicJWK()));
            String rotated =
                    Tokens.sign(JWSAlgorithm.RS256, Tokens.RSA_2, now().subject("bob").build());
            RawClient.Response r = get(w, rotated);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).contains("h:x-jwt-sub=bob\n");
            assertThat(idp.hits.get()).isEqualTo(2);
            assert401(get(w, old), "Jwks doesn't have key to match kid or alg from Jwt");
        }
    }

    @Test
    void aJwksServerThatIsDownOrSlowMeans401AndTheWorkerKeepsServing() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String token = Tokens.sign(JWSAlgorithm.RS256, Tokens.RSA, now().build());
        try (TestUpstream up = new TestUpstream("up");
                Weir w =
                        Weir.start(
                                yaml(up.address(), remoteConfig(""), "127.0.0.1:" + closedPort),
                                1,
                                REGISTRY)) {
            assert401(get(w, token), "Jwks remote fetch is failed");
            try (RawClient c = new RawClient(w.port())) { // the worker still answers
                c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(c.read().status()).isEqualTo(401);
            }
        }
        try (Idp idp = new Idp(Tokens.jwks(Tokens.RSA.toPublicJWK()));
                TestUpstream up = new TestUpstream("up");
                Weir w =
                        Weir.start(
                                yaml(up.address(), remoteConfig(", timeout: 300ms"), idp.address()),
                                1,
                                REGISTRY)) {
            idp.slow = true;
            long t0 = System.nanoTime();
            assert401(get(w, token), "Jwks remote fetch is failed");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5_000);
            assertThat(get(w, null).status()).isEqualTo(401); // served while the fetch hangs
        }
    }

    @Test
    void configDumpShowsNoHmacSecret() throws Exception {
        String secret = "a-very-secret-hmac-key-of-32-bytes-or-more";
        String cfg =
                "{ providers: [{ name: hs, jwks: { hmac_secret: \""
                        + secret
                        + "\" } }], rules: [{ match: { prefix: / }, requires: hs }] }";
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), cfg, "127.0.0.1:1"), 1, REGISTRY)) {
            RawClient.Response r = w.admin("GET", "/config_dump");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body())
                    .contains("weir.jwt_authn")
                    .contains("[redacted]")
                    .doesNotContain(secret)
                    .doesNotContain(secret.substring(0, 12));
        }
    }
}
