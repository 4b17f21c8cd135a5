package io.weir.filters.headermutation;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code weir.header_mutation} in a real Weir in front of a real upstream, on 127.0.0.1:0. */
@ExtendWith(NettyLeakCheck.class)
class HeaderMutationIntegrationTest {
    static final FilterRegistry REGISTRY =
            FilterRegistry.of(
                    Map.of(HeaderMutationFilterFactory.NAME, new HeaderMutationFilterFactory()));

    static final String YAML =
            """
            admin: { address: 127.0.0.1:0 }
            listeners:
              - name: ingress
                address: 127.0.0.1:0
                http:
                  filters:
                    - name: weir.header_mutation
                      config:
                        request:
                          add:
                            - { name: x-client, value: "%%CLIENT_IP%%" }
                            - { name: x-tag, value: proxy }
                            - { name: x-req-cluster, value: "%%UPSTREAM_CLUSTER%%" }
                          set:
                            - { name: x-route, value: "%%ROUTE_NAME%%" }
                            - { name: x-id, value: "id-%%REQUEST_ID%%" }
                          remove: [x-internal-secret]
                          rename: [{ from: x-old, to: x-new }]
                        response:
                          add: [{ name: x-peer, value: "%%DOWNSTREAM_REMOTE_ADDRESS%%" }]
                          set:
                            - { name: x-cluster, value: "%%UPSTREAM_CLUSTER%%" }
                            - { name: x-start, value: "%%START_TIME%%" }
                            - { name: x-user, value: "%%REQ(x-user)%%" }
                          remove: [x-secret-response]
                          rename: [{ from: x-upstream, to: x-served-by }]
                  virtual_hosts:
                    - name: d
                      domains: ["*"]
                      routes:
                        - name: override
                          match: { prefix: /override }
                          route: { cluster: backend }
                          per_filter_config:
                            weir.header_mutation:
                              config:
                                request:
                                  set:
                                    - { name: x-route, value: "over:%%ROUTE_NAME%%" }
                                    - { name: host, value: internal.example }
                        - match: { prefix: /off }
                          route: { cluster: backend }
                          per_filter_config: { weir.header_mutation: { disabled: true } }
                        - match: { prefix: /direct }
                          direct_response: { status: 200, body: "direct" }
                        - name: main
                          match: { prefix: / }
                          route: { cluster: backend }
            clusters:
              - name: backend
                endpoints: [{ address: %s }]
            """;

    TestUpstream up;
    Weir w;

    @BeforeEach
    void start() throws Exception {
        up = new TestUpstream("up");
        up.on(
                "/resp",
                ex -> {
                    byte[] body = "resp\n".getBytes(StandardCharsets.UTF_8);
                    ex.getResponseHeaders().add("x-secret-response", "s3cr3t");
                    ex.getResponseHeaders().add("x-upstream", "custom");
                    ex.getResponseHeaders().add("x-cluster", "from-upstream");
                    ex.sendResponseHeaders(200, body.length);
                    try (OutputStream o = ex.getResponseBody()) {
                        o.write(body);
                    }
                });
        w = Weir.start(YAML.formatted(up.address()), 1, REGISTRY);
    }

    @AfterEach
    void stop() {
        if (w != null) {
            w.close();
        }
        up.close();
    }

    RawClient.Response get(String path, String headers) throws Exception {
        try (RawClient c = new RawClient(w.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n");
            return c.read();
        }
    }

    @Test
    void theRequestReachesTheUpstreamMutated() throws Exception {
        RawClient.Response r =
                get(
                        "/p",
                        "x-request-id: abc\r\nx-tag: client\r\nx-internal-secret: s\r\n"
                                + "x-old: moved\r\nx-new: stale\r\nx-route: spoofed\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body())
                .contains("h:x-client=127.0.0.1\n")
                .contains("h:x-tag=client\n")
                .contains("h:x-tag=proxy\n")
                .contains("h:x-req-cluster=backend\n")
                .contains("h:x-route=main\n")
                .contains("h:x-id=id-abc\n")
                .contains("h:x-new=moved\n")
                .doesNotContain("x-internal-secret")
                .doesNotContain("h:x-old=")
                .doesNotContain("stale")
                .doesNotContain("spoofed");
    }

    @Test
    void theResponseReachesTheClientMutated() throws Exception {
        RawClient.Response r = get("/resp", "x-user: alice\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("x-secret-response")).isNull();
        assertThat(r.header("x-upstream")).isNull();
        assertThat(r.header("x-served-by")).isEqualTo("custom");
        assertThat(r.header("x-cluster")).isEqualTo("backend");
        assertThat(r.header("x-user")).isEqualTo("alice");
        assertThat(r.header("x-peer")).matches("127\\.0\\.0\\.1:\\d+");
        assertThat(r.header("x-start"))
                .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(r.body()).isEqualTo("resp\n");
    }

    @Test
    void aRouteOverrideReplacesTheConfigAndADisabledRouteSkipsIt() throws Exception {
        RawClient.Response over = get("/override", "x-internal-secret: s\r\n");
        assertThat(over.body())
                .contains("h:x-route=over:override\n")
                .contains("h:host=internal.example\n")
                .contains("h:x-internal-secret=s\n") // the override has no remove
                .doesNotContain("h:x-client=");
        assertThat(over.header("x-served-by")).isNull(); // nor response mutations
        assertThat(over.header("x-upstream")).isEqualTo("up");

        RawClient.Response off = get("/off", "x-internal-secret: s\r\n");
        assertThat(off.body()).contains("h:x-internal-secret=s\n").doesNotContain("h:x-route=");
        assertThat(off.header("x-upstream")).isEqualTo("up");
    }

    @Test
    void aLocalReplyGetsTheResponseMutationsToo() throws Exception {
        RawClient.Response r = get("/direct", "x-user: bob\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("direct");
        assertThat(r.header("x-user")).isEqualTo("bob");
        assertThat(r.header("x-start")).isNotNull();
        assertThat(r.header("x-cluster")).isNull(); // no upstream cluster: rendered empty
    }
}
