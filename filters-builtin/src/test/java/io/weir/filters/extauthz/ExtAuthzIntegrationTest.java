package io.weir.filters.extauthz;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weir.ext_authz} in a real Weir with a real authorization service (the JDK's HTTP server)
 * configured as a cluster, over sockets on 127.0.0.1.
 */
@ExtendWith(NettyLeakCheck.class)
class ExtAuthzIntegrationTest {
    @TempDir Path dir;

    static final FilterRegistry REGISTRY =
            FilterRegistry.of(Map.of(ExtAuthzFilterFactory.NAME, new ExtAuthzFilterFactory()));

    static String stat(String name) {
        return name + "{filter=\"weir.ext_authz\"}";
    }

    /**
     * The authorization service: {@code /check/allowed/...} answers 200 with {@code x-auth-user:
     * alice}; {@code /check/slow/...} answers only when the test ends; anything else 403 with a
     * body and three headers, of which two are allowed to the client. Records each check's method,
     * path and headers.
     */
    static final class AuthzService implements AutoCloseable {
        final HttpServer server;
        final ExecutorService pool = Executors.newCachedThreadPool();
        final CountDownLatch release = new CountDownLatch(1);
        final ConcurrentLinkedQueue<String> checks = new ConcurrentLinkedQueue<>();

        AuthzService() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
            server.setExecutor(pool);
            server.createContext("/", this::handle);
            server.start();
        }

        String address() {
            return "127.0.0.1:" + server.getAddress().getPort();
        }

        private void handle(HttpExchange ex) throws IOException {
            TestUpstream.drain(ex.getRequestBody());
            String path = ex.getRequestURI().toString();
            StringBuilder seen = new StringBuilder(ex.getRequestMethod() + " " + path);
            ex.getRequestHeaders().entrySet().stream()
                    .sorted(Map.Entry.comparingByKey(String.CASE_INSENSITIVE_ORDER))
                    .forEach(
                            e ->
                                    seen.append(" ")
                                            .append(e.getKey().toLowerCase())
                                            .append("=")
                                            .append(e.getValue()));
            checks.add(seen.toString());
            if (path.startsWith("/check/slow/")) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                reply(ex, 200, "");
            } else if (path.startsWith("/check/allowed/")) {
                ex.getResponseHeaders().add("x-auth-user", "alice");
                ex.getResponseHeaders().add("x-not-copied", "1");
                reply(ex, 200, "");
            } else {
                ex.getResponseHeaders().add("www-authenticate", "Bearer realm=\"shop\"");
                ex.getResponseHeaders().add("set-cookie", "session=gone");
                ex.getResponseHeaders().add("x-internal", "policy-7");
                reply(ex, 403, "denied by policy");
            }
        }

        private static void reply(HttpExchange ex, int status, String body) throws IOException {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        }

        @Override
        public void close() {
            release.countDown();
            server.stop(0);
            pool.shutdownNow();
        }
    }

    static String yaml(String backend, String authz, Path accessLog, String extraConfig) {
        return """
                admin: { address: 127.0.0.1:0 }
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                      access_log: [{ path: %s, format: json }]
                      filters:
                        - name: weir.ext_authz
                          config:
                            cluster: authz
                            path_prefix: /check
                            timeout: 300ms
                            allowed_request_headers: [cookie]
                            allowed_upstream_headers: [x-auth-user]
                            allowed_client_headers: [set-cookie]
                            %s
                      virtual_hosts:
                        - name: d
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/public/" }
                              route: { cluster: backend }
                              per_filter_config:
                                weir.ext_authz: { disabled: true }
                            - match: { prefix: "/" }
                              route: { cluster: backend }
                clusters:
                  - name: backend
                    endpoints: [{ address: %s }]
                  - name: authz
                    connect_timeout: 1s
                    endpoints: [{ address: %s }]
                """
                .formatted(accessLog, extraConfig, backend, authz);
    }

    static RawClient.Response get(Weir w, String path, String... headers) throws Exception {
        StringBuilder rq = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: shop.example\r\n");
        for (String h : headers) {
            rq.append(h).append("\r\n");
        }
        try (RawClient c = new RawClient(w.port())) {
            c.send(rq.append("\r\n").toString());
            return c.read();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    Path log() {
        return dir.resolve("access.json");
    }

    @Test
    void anAllowedRequestReachesTheUpstreamWithTheServicesHeaderReplacingTheClients()
            throws Exception {
        try (TestUpstream up = new TestUpstream("up");
                AuthzService authz = new AuthzService();
                Weir w = Weir.start(yaml(up.address(), authz.address(), log(), ""), 1, REGISTRY)) {
            RawClient.Response r =
                    get(
                            w,
                            "/allowed/items?page=2",
                            "Authorization: Bearer t0k",
                            "Cookie: sid=1",
                            "X-Auth-User: mallory",
                            "X-Private: not-for-authz");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body())
                    .contains("name=up", "h:x-auth-user=alice")
                    .doesNotContain("mallory", "x-not-copied");
            assertThat(authz.checks)
                    .singleElement()
                    .asString()
                    .startsWith("GET /check/allowed/items?page=2 ")
                    .contains(
                            "authorization=[Bearer t0k]",
                            "cookie=[sid=1]",
                            "host=[shop.example]",
                            "x-forwarded-host=[shop.example]")
                    .doesNotContain("x-private", "mallory");
            assertThat(w.awaitStat(stat("weir_ext_authz_ok_total"), 1)).isEqualTo(1);
        }
    }

    @Test
    void aDenialReturnsTheServicesStatusBodyAndAllowedHeadersAndNeverReachesTheUpstream()
            throws Exception {
        try (TestUpstream up = new TestUpstream("up");
                AuthzService authz = new AuthzService();
                Weir w = Weir.start(yaml(up.address(), authz.address(), log(), ""), 1, REGISTRY)) {
            RawClient.Response r = get(w, "/admin");
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.body()).isEqualTo("denied by policy");
            assertThat(r.header("www-authenticate")).isEqualTo("Bearer realm=\"shop\"");
            assertThat(r.header("set-cookie")).isEqualTo("session=gone");
            assertThat(r.header("x-internal")).isNull();
            assertThat(up.requests()).isZero();
            assertThat(w.awaitStat(stat("weir_ext_authz_denied_total"), 1)).isEqualTo(1);
            assertThat(awaitLines(log(), 1).get(0))
                    .contains("\"response_code\":403")
                    .contains("\"response_flags\":\"UAEX\"")
                    .contains("\"response_code_details\":\"ext_authz_denied\"");
        }
    }

    @Test
    void aSlowServiceFailsClosedWithStatusOnErrorAndUaexAndTheWorkerKeepsServing()
            throws Exception {
        failsClosed(true);
    }

    @Test
    void aServiceThatRefusesConnectionsFailsClosedAndTheWorkerKeepsServing() throws Exception {
        failsClosed(false);
    }

    @Test
    void aSlowServiceInFailureModeAllowLetsTheRequestThroughWithTheEnvoyHeader() throws Exception {
        failsOpen(true);
    }

    @Test
    void aServiceThatRefusesConnectionsInFailureModeAllowLetsTheRequestThrough() throws Exception {
        failsOpen(false);
    }

    @Test
    void aRouteWithTheFilterDisabledIsNotChecked() throws Exception {
        try (TestUpstream up = new TestUpstream("up");
                AuthzService authz = new AuthzService();
                Weir w = Weir.start(yaml(up.address(), authz.address(), log(), ""), 1, REGISTRY)) {
            assertThat(get(w, "/public/logo.png").status()).isEqualTo(200);
            assertThat(get(w, "/admin").status()).isEqualTo(403);
            assertThat(up.requests()).isEqualTo(1);
            assertThat(authz.checks).singleElement().asString().startsWith("GET /check/admin ");
        }
    }

    /** With the service slow ({@code slow}) or down, failure_mode_allow false. */
    private void failsClosed(boolean slow) throws Exception {
        try (TestUpstream up = new TestUpstream("up");
                AuthzService authz = new AuthzService()) {
            String target = slow ? authz.address() : "127.0.0.1:" + freePort();
            String path = slow ? "/slow/a" : "/allowed/a";
            try (Weir w =
                    Weir.start(
                            yaml(up.address(), target, log(), "status_on_error: 503"),
                            1,
                            REGISTRY)) {
                for (int i = 0; i < 3; i++) {
                    RawClient.Response r = get(w, path);
                    assertThat(r.status()).isEqualTo(503);
                    assertThat(r.body()).isEmpty();
                }
                assertThat(up.requests()).isZero();
                List<String> lines = awaitLines(log(), 3);
                assertThat(lines.get(0))
                        .contains("\"response_code\":503")
                        .contains("\"response_flags\":\"UAEX\"")
                        .contains("\"response_code_details\":\"ext_authz_error\"");
                String reason = slow ? "timeout" : "connection_failure";
                assertThat(w.awaitStat(errors(reason), 3)).isEqualTo(3);
                assertThat(w.stat(stat("weir_ext_authz_failure_mode_allowed_total"))).isZero();
                // the one worker still serves: a route without the filter, then another check
                assertThat(get(w, "/public/x").status()).isEqualTo(200);
                assertThat(get(w, path).status()).isEqualTo(503);
                assertThat(up.requests()).isEqualTo(1);
            }
        }
    }

    /** With the service slow ({@code slow}) or down, failure_mode_allow true. */
    private void failsOpen(boolean slow) throws Exception {
        try (TestUpstream up = new TestUpstream("up");
                AuthzService authz = new AuthzService()) {
            String target = slow ? authz.address() : "127.0.0.1:" + freePort();
            String path = slow ? "/slow/a" : "/allowed/a";
            try (Weir w =
                    Weir.start(
                            yaml(up.address(), target, log(), "failure_mode_allow: true"),
                            1,
                            REGISTRY)) {
                for (int i = 0; i < 3; i++) {
                    RawClient.Response r = get(w, path, "X-Auth-User: mallory");
                    assertThat(r.status()).isEqualTo(200);
                    assertThat(r.body())
                            .contains("name=up", "h:x-envoy-auth-failure-mode-allowed=true")
                            .contains("h:x-auth-user=mallory");
                }
                assertThat(up.requests()).isEqualTo(3);
                String reason = slow ? "timeout" : "connection_failure";
                assertThat(w.awaitStat(errors(reason), 3)).isEqualTo(3);
                assertThat(w.awaitStat(stat("weir_ext_authz_failure_mode_allowed_total"), 3))
                        .isEqualTo(3);
            }
        }
    }

    static String errors(String reason) {
        return "weir_ext_authz_error_total{filter=\"weir.ext_authz\",reason=\"" + reason + "\"}";
    }

    /** The log's lines once it has {@code n} (entries are written as streams end). */
    static List<String> awaitLines(Path log, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            if (lines.size() >= n) {
                return lines;
            }
            Thread.yield();
        }
        throw new AssertionError("access log has " + lines.size() + " lines, expected " + n);
    }
}
