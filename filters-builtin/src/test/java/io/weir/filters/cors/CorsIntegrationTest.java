package io.weir.filters.cors;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code weir.cors} in a real Weir in front of a real upstream, on 127.0.0.1:0. */
@ExtendWith(NettyLeakCheck.class)
class CorsIntegrationTest {
    static final FilterRegistry REGISTRY =
            FilterRegistry.of(Map.of(CorsFilterFactory.NAME, new CorsFilterFactory()));

    static final String YAML =
            """
            admin: { address: 127.0.0.1:0 }
            listeners:
              - name: ingress
                address: 127.0.0.1:0
                http:
                  filters:
                    - name: weir.cors
                      config:
                        allow_origins: ["https://app.example", { regex: "https://.*\\\\.example\\\\.com" }]
                        allow_methods: [GET, POST, PUT]
                        allow_headers: [content-type, authorization]
                        expose_headers: [x-request-id]
                        max_age: 86400s
                        allow_credentials: true
                  virtual_hosts:
                    - name: d
                      domains: ["*"]
                      routes:
                        - match: { prefix: /public }
                          route: { cluster: backend }
                          per_filter_config:
                            weir.cors: { config: { allow_origins: ["*"] } }
                        - match: { prefix: /dead }
                          route: { cluster: dead }
                        - match: { prefix: /off }
                          route: { cluster: backend }
                          per_filter_config: { weir.cors: { disabled: true } }
                        - match: { prefix: / }
                          route: { cluster: backend }
            clusters:
              - name: backend
                endpoints: [{ address: %s }]
              - name: dead
                connect_timeout: 250ms
                endpoints: [{ address: 127.0.0.1:%d }]
            """;

    static final String PREFLIGHT_STAT =
            "weir_cors_preflight_total{filter=\"weir.cors\",result=\"%s\"}";
    static final String DENIED_STAT = "weir_cors_origin_denied_total{filter=\"weir.cors\"}";

    TestUpstream up;
    Weir w;

    @BeforeEach
    void start() throws Exception {
        up = new TestUpstream("up");
        up.on(
                "/vary",
                ex -> {
                    byte[] body = "varied\n".getBytes(StandardCharsets.UTF_8);
                    ex.getResponseHeaders().add("vary", "accept-encoding");
                    ex.sendResponseHeaders(200, body.length);
                    try (OutputStream o = ex.getResponseBody()) {
                        o.write(body);
                    }
                });
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort(); // closed again: connections are refused
        }
        w = Weir.start(YAML.formatted(up.address(), deadPort), 1, REGISTRY);
    }

    @AfterEach
    void stop() {
        if (w != null) {
            w.close();
        }
        up.close();
    }

    RawClient.Response send(String method, String path, String headers) throws Exception {
        try (RawClient c = new RawClient(w.port())) {
            c.send(method + " " + path + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n");
            return c.read();
        }
    }

    @Test
    void anAllowedPreflightIsAnsweredWithoutReachingTheUpstream() throws Exception {
        RawClient.Response r =
                send(
                        "OPTIONS",
                        "/api",
                        "Origin: https://app.example\r\n"
                                + "Access-Control-Request-Method: PUT\r\n"
                                + "Access-Control-Request-Headers: content-type\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("access-control-allow-origin")).isEqualTo("https://app.example");
        assertThat(r.header("access-control-allow-methods")).isEqualTo("GET, POST, PUT");
        assertThat(r.header("access-control-allow-headers"))
                .isEqualTo("content-type, authorization");
        assertThat(r.header("access-control-max-age")).isEqualTo("86400");
        assertThat(r.header("access-control-allow-credentials")).isEqualTo("true");
        assertThat(r.header("vary")).isEqualTo("origin");
        assertThat(r.body()).isEmpty();
        assertThat(up.requests()).isZero();
        assertThat(w.awaitStat(PREFLIGHT_STAT.formatted("allowed"), 1)).isEqualTo(1);
    }

    @Test
    void anActualRequestPassesAndGetsTheHeadersWithVaryAppended() throws Exception {
        RawClient.Response r =
                send("PUT", "/vary", "Origin: https://shop.example.com\r\nContent-Length: 0\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("varied\n");
        assertThat(r.header("access-control-allow-origin")).isEqualTo("https://shop.example.com");
        assertThat(r.header("access-control-allow-credentials")).isEqualTo("true");
        assertThat(r.header("access-control-expose-headers")).isEqualTo("x-request-id");
        assertThat(r.header("vary")).isEqualTo("accept-encoding, origin");
        assertThat(up.requests()).isEqualTo(1);

        RawClient.Response plain = send("GET", "/api", "");
        assertThat(plain.header("access-control-allow-origin")).isNull();
        assertThat(plain.header("vary")).isNull();
        assertThat(plain.body()).contains("method=GET");
    }

    @Test
    void aPreflightFromAnOriginNotAllowedReachesTheUpstreamUnchanged() throws Exception {
        RawClient.Response r =
                send(
                        "OPTIONS",
                        "/api",
                        "Origin: https://evil.example\r\nAccess-Control-Request-Method: PUT\r\n");
        assertThat(r.status()).isEqualTo(200); // the upstream's answer: its echo
        assertThat(r.body())
                .contains("method=OPTIONS")
                .contains("h:origin=https://evil.example")
                .contains("h:access-control-request-method=PUT");
        assertThat(r.header("access-control-allow-origin")).isNull();
        assertThat(up.requests()).isEqualTo(1);
        assertThat(w.awaitStat(PREFLIGHT_STAT.formatted("denied"), 1)).isEqualTo(1);
        assertThat(w.awaitStat(DENIED_STAT, 1)).isEqualTo(1);
    }

    @Test
    void aRouteOverrideAndADisabledRouteChangeThePolicy() throws Exception {
        RawClient.Response pub =
                send(
                        "OPTIONS",
                        "/public/x",
                        "Origin: https://anyone.test\r\nAccess-Control-Request-Method: GET\r\n");
        assertThat(pub.status()).isEqualTo(200);
        assertThat(pub.header("access-control-allow-origin")).isEqualTo("*");
        assertThat(pub.header("access-control-allow-credentials")).isNull();

        RawClient.Response off =
                send(
                        "OPTIONS",
                        "/off/x",
                        "Origin: https://app.example\r\nAccess-Control-Request-Method: PUT\r\n");
        assertThat(off.body()).contains("method=OPTIONS");
        assertThat(off.header("access-control-allow-origin")).isNull();
        assertThat(up.requests()).isEqualTo(1); // only the disabled route reached it
    }

    @Test
    void weirsOwnErrorReplyToAnAllowedOriginGetsTheHeadersToo() throws Exception {
        RawClient.Response r = send("GET", "/dead", "Origin: https://app.example\r\n");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.header("access-control-allow-origin")).isEqualTo("https://app.example");
        assertThat(r.header("vary")).isEqualTo("origin");
    }
}
