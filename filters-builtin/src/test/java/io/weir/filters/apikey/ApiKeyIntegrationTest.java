package io.weir.filters.apikey;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code weir.api_key} in a real Weir in front of a real upstream. */
class ApiKeyIntegrationTest {
    static final FilterRegistry REGISTRY =
            FilterRegistry.of(Map.of(ApiKeyFilterFactory.NAME, new ApiKeyFilterFactory()));

    @TempDir Path dir;

    static String yaml(String upstream, String filterConfig) {
        return """
                admin: { address: 127.0.0.1:0 }
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                      filters:
                        - name: weir.api_key
                          config: %s
                      virtual_hosts:
                        - name: d
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/open" }
                              route: { cluster: backend }
                              per_filter_config: { weir.api_key: { disabled: true } }
                            - match: { prefix: "/" }
                              route: { cluster: backend }
                clusters:
                  - name: backend
                    endpoints: [{ address: %s }]
                """
                .formatted(filterConfig, upstream);
    }

    static RawClient.Response get(Weir w, String target, String extra) throws Exception {
        try (RawClient c = new RawClient(w.port())) {
            c.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n");
            return c.read();
        }
    }

    String config() {
        return "{ from: [header:x-api-key, query:api_key], keys: [{ consumer: alice, sha256: \""
                + ApiKeyFilterTest.hex("alice-secret-key")
                + "\" }] }";
    }

    @Test
    void aKnownKeyReachesTheUpstreamWithTheConsumerAndWithoutTheKey() throws Exception {
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), config()), 1, REGISTRY)) {
            RawClient.Response r =
                    get(w, "/p?api_key=alice-secret-key&x=1", "x-consumer: mallory\r\n");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body())
                    .contains("uri=/p?x=1\n")
                    .contains("h:x-consumer=alice\n")
                    .doesNotContain("mallory")
                    .doesNotContain("alice-secret-key");
            RawClient.Response h = get(w, "/p", "x-api-key: alice-secret-key\r\n");
            assertThat(h.body()).contains("h:x-consumer=alice\n").doesNotContain("x-api-key");
            assertThat(w.awaitStat("weir_api_key_allowed_total{filter=\"weir.api_key\"}", 2))
                    .isEqualTo(2);
        }
    }

    @Test
    void missingAndUnknownKeysGet401WithWwwAuthenticate() throws Exception {
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), config()), 1, REGISTRY)) {
            RawClient.Response missing = get(w, "/p", "");
            assertThat(missing.status()).isEqualTo(401);
            assertThat(missing.body()).isEqualTo("API key is missing");
            assertThat(missing.header("www-authenticate")).isEqualTo("ApiKey");
            RawClient.Response invalid = get(w, "/p", "x-api-key: guess\r\n");
            assertThat(invalid.status()).isEqualTo(401);
            assertThat(invalid.body()).isEqualTo("API key is invalid");
            assertThat(invalid.header("www-authenticate")).isEqualTo("ApiKey");
            assertThat(up.requests()).isZero();
            // a route with the filter disabled needs no key
            assertThat(get(w, "/open", "").status()).isEqualTo(200);
        }
    }

    @Test
    void aChangedKeysFileIsPickedUpWithoutARestart() throws Exception {
        Path f = dir.resolve("keys.txt");
        Files.writeString(f, "alice:" + ApiKeyFilterTest.hex("alice-key") + "\n");
        String cfg = "{ keys_file: \"" + f + "\", reload_interval: 100ms }";
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), cfg), 2, REGISTRY)) {
            assertThat(get(w, "/", "x-api-key: alice-key\r\n").status()).isEqualTo(200);
            assertThat(get(w, "/", "x-api-key: bob-key\r\n").status()).isEqualTo(401);
            Files.writeString(f, "bob:" + ApiKeyFilterTest.hex("bob-key") + "\n");
            awaitSeries(w, "weir_api_key_reloads_total{filter=\"weir.api_key\",result=\"ok\"}");
            assertThat(get(w, "/", "x-api-key: bob-key\r\n").body()).contains("h:x-consumer=bob");
            assertThat(get(w, "/", "x-api-key: alice-key\r\n").status()).isEqualTo(401);
        }
    }

    @Test
    void configDumpShowsNoKeyHash() throws Exception {
        String hash = ApiKeyFilterTest.hex("alice-secret-key");
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), config()), 1, REGISTRY)) {
            RawClient.Response r = w.admin("GET", "/config_dump");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body())
                    .contains("weir.api_key")
                    .contains("[redacted]")
                    .doesNotContain(hash)
                    .doesNotContain(hash.substring(0, 16))
                    .doesNotContain("alice-secret-key");
        }
    }

    /** Spins (yielding, up to 5 s) until the series exists with a value of at least 1. */
    static void awaitSeries(Weir w, String series) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            try {
                if (w.stat(series) >= 1) {
                    return;
                }
            } catch (IllegalArgumentException notYet) {
                // the series appears with its first count
            }
            Thread.yield();
        }
        throw new AssertionError("no " + series + " in\n" + w.server.stats().renderPrometheus());
    }
}
