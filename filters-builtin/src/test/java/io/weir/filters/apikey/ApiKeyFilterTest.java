package io.weir.filters.apikey;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.filters.common.Logs;
import io.weir.spi.LocalReply;
import io.weir.spi.testkit.FilterHarness;
import io.weir.spi.testkit.StreamRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeyFilterTest {
    static final ApiKeyFilterFactory F = new ApiKeyFilterFactory();

    @TempDir Path dir;
    FilterHarness h;

    static String hex(String key) {
        return HexFormat.of().formatHex(KeySet.sha256(key));
    }

    static Map<String, Object> key(String consumer, String key) {
        return Map.of("consumer", consumer, "sha256", hex(key));
    }

    FilterHarness harness(Map<String, Object> config) {
        h = FilterHarness.of(F, config);
        return h;
    }

    FilterHarness twoKeys(String... from) {
        return harness(
                Map.of(
                        "from",
                        List.of(from),
                        "keys",
                        List.of(key("alice", "alice-key"), key("bob", "bob-key"))));
    }

    @AfterEach
    void close() {
        if (h != null) {
            h.close();
        }
    }

    static void assert401(StreamRun r, String body) {
        LocalReply reply = r.localReply();
        assertThat(reply).isNotNull();
        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.body()).isEqualTo(body);
        assertThat(reply.headers()).containsExactly(Map.entry("www-authenticate", "ApiKey"));
        assertThat(r.forwarded()).isFalse();
    }

    @Test
    void aKnownKeyInTheHeaderForwardsTheConsumerAndStripsTheKey() {
        twoKeys("header:x-api-key");
        StreamRun r = h.request("GET", "/a").header("x-api-key", "bob-key").send();
        assertThat(r.forwarded()).isTrue();
        assertThat(r.upstreamHeaders().getAll("x-consumer")).containsExactly("bob");
        assertThat(r.upstreamHeaders().contains("x-api-key")).isFalse();
        assertThat(r.metadata("api_key.consumer")).isEqualTo("bob");
        assertThat(h.counter("weir_api_key_allowed_total")).isEqualTo(1);
    }

    @Test
    void aKnownKeyInTheQueryIsAcceptedAndRemovedFromThePathKeepingOtherParameters() {
        twoKeys("query:api_key");
        StreamRun r = h.request("GET", "/items?a=1&api_key=alice-key&b=x%20y").send();
        assertThat(r.forwarded()).isTrue();
        assertThat(r.upstreamHeaders().get(":path")).isEqualTo("/items?a=1&b=x%20y");
        assertThat(r.upstreamHeaders().get("x-consumer")).isEqualTo("alice");
        StreamRun only = h.request("GET", "/items?api_key=alice-key").send();
        assertThat(only.upstreamHeaders().get(":path")).isEqualTo("/items");
    }

    @Test
    void aPercentEncodedQueryKeyIsDecodedBeforeHashing() {
        harness(Map.of("from", List.of("query:k"), "keys", List.of(key("carol", "a+b/c=d"))));
        StreamRun r = h.request("GET", "/?k=a%2Bb%2Fc%3Dd").send();
        assertThat(r.upstreamHeaders().get("x-consumer")).isEqualTo("carol");
    }

    @Test
    void theFirstSourceFoundWinsAndEverySourceIsStripped() {
        twoKeys("header:x-api-key", "query:api_key");
        StreamRun r =
                h.request("GET", "/p?api_key=alice-key").header("x-api-key", "bob-key").send();
        assertThat(r.upstreamHeaders().get("x-consumer")).isEqualTo("bob");
        assertThat(r.upstreamHeaders().get(":path")).isEqualTo("/p");
        assertThat(r.upstreamHeaders().contains("x-api-key")).isFalse();
        // an unknown key in the first source is not rescued by a good one in the second
        StreamRun bad =
                h.request("GET", "/p?api_key=alice-key").header("x-api-key", "guess").send();
        assert401(bad, "API key is invalid");
    }

    @Test
    void forwardTrueKeepsTheKey() {
        harness(Map.of("forward", true, "keys", List.of(key("alice", "alice-key"))));
        StreamRun r = h.request("GET", "/").header("x-api-key", "alice-key").send();
        assertThat(r.upstreamHeaders().get("x-api-key")).isEqualTo("alice-key");
    }

    @Test
    void aMissingKeyGets401Missing() {
        twoKeys("header:x-api-key", "query:api_key");
        assert401(h.request("GET", "/?other=1").send(), "API key is missing");
        assert401(h.request("GET", "/").header("x-api-key", "  ").send(), "API key is missing");
        assert401(h.request("GET", "/?api_key=").send(), "API key is missing");
        assertThat(h.counter("weir_api_key_denied_total", "missing")).isEqualTo(3);
        assertThat(h.counter("weir_api_key_denied_total", "invalid")).isZero();
    }

    @Test
    void anUnknownKeyGets401Invalid() {
        twoKeys("header:x-api-key");
        StreamRun r = h.request("GET", "/").header("x-api-key", "alice-key ").send();
        assertThat(r.forwarded()).isTrue(); // surrounding spaces are not part of a header value
        assert401(
                h.request("GET", "/").header("x-api-key", "Alice-key").send(),
                "API key is invalid");
        // the hash itself is not a key
        assert401(
                h.request("GET", "/").header("x-api-key", hex("alice-key")).send(),
                "API key is invalid");
        assertThat(h.counter("weir_api_key_denied_total", "invalid")).isEqualTo(2);
    }

    @Test
    void aClientSentConsumerHeaderIsAlwaysReplaced() {
        harness(Map.of("consumer_header", "x-who", "keys", List.of(key("alice", "alice-key"))));
        StreamRun r =
                h.request("GET", "/")
                        .header("x-who", "admin")
                        .header("x-who", "root")
                        .header("x-api-key", "alice-key")
                        .send();
        assertThat(r.upstreamHeaders().getAll("x-who")).containsExactly("alice");
        StreamRun denied =
                h.request("GET", "/").header("x-who", "admin").header("x-api-key", "no").send();
        assertThat(denied.localReply().status()).isEqualTo(401);
        assertThat(denied.context().requestHeaders().contains("x-who")).isFalse();
    }

    @Test
    void everyConfiguredHashIsComparedWhicheverKeyMatches() {
        List<Object> keys =
                List.of(
                        key("k0", "key-0"),
                        key("k1", "key-1"),
                        key("k2", "key-2"),
                        key("k3", "key-3"),
                        key("k4", "key-4"));
        harness(Map.of("keys", keys));
        KeySet set = ((ApiKeyConfig) h.config()).store().current();
        for (String k : List.of("key-0", "key-2", "key-4", "nope")) {
            long before = set.comparisons.sum();
            StreamRun r = h.request("GET", "/").header("x-api-key", k).send();
            assertThat(set.comparisons.sum() - before).as(k).isEqualTo(5);
            if (!k.equals("nope")) {
                assertThat(r.upstreamHeaders().get("x-consumer")).isEqualTo("k" + k.charAt(4));
            }
        }
    }

    @Test
    void matchFindsTheConsumerForEachHash() {
        KeySet s =
                new KeySet(
                        List.of(
                                new KeySet.Entry("a", KeySet.sha256("1")),
                                new KeySet.Entry("b", KeySet.sha256("2")),
                                new KeySet.Entry("c", KeySet.sha256("3"))));
        assertThat(s.match(KeySet.sha256("1"))).isEqualTo("a");
        assertThat(s.match(KeySet.sha256("3"))).isEqualTo("c");
        assertThat(s.match(KeySet.sha256("4"))).isNull();
        assertThat(s.match(new byte[0])).isNull();
    }

    @Test
    void aChangedKeysFileIsReloadedAndABrokenOneKeepsThePreviousKeys() throws Exception {
        Path f = dir.resolve("keys.txt");
        Files.writeString(f, "alice:" + hex("alice-key") + "\n");
        harness(Map.of("keys_file", f.toString()));
        KeyStore store = ((ApiKeyConfig) h.config()).store();
        assertThat(h.request("GET", "/").header("x-api-key", "alice-key").send().forwarded())
                .isTrue();

        // same size, new key: detected by the content hash even if the mtime did not move
        Files.writeString(f, "bobby:" + hex("bob-key") + "\n");
        store.poll();
        assert401(
                h.request("GET", "/").header("x-api-key", "alice-key").send(),
                "API key is invalid");
        assertThat(
                        h.request("GET", "/")
                                .header("x-api-key", "bob-key")
                                .send()
                                .upstreamHeaders()
                                .get("x-consumer"))
                .isEqualTo("bobby");
        assertThat(h.counter("weir_api_key_reloads_total", "ok")).isEqualTo(1);

        try (Logs logs = new Logs()) {
            Files.writeString(f, "bobby:" + hex("bob-key") + "\ncarol-raw-secret-key\n");
            store.poll();
            store.poll(); // the same failure is logged and counted once
            assertThat(h.request("GET", "/").header("x-api-key", "bob-key").send().forwarded())
                    .isTrue();
            assertThat(h.counter("weir_api_key_reloads_total", "error")).isEqualTo(1);
            assertThat(logs.lines())
                    .singleElement()
                    .asString()
                    .contains("WARNING", "path=" + f, "line=2")
                    .doesNotContain("carol-raw-secret-key")
                    .doesNotContain(hex("bob-key"));
        }

        Files.delete(f);
        store.poll();
        assertThat(h.request("GET", "/").header("x-api-key", "bob-key").send().forwarded())
                .isTrue();
        assertThat(h.counter("weir_api_key_reloads_total", "error")).isEqualTo(2);
    }

    @Test
    void configKeysStayWhenTheFileChanges() throws Exception {
        Path f = dir.resolve("keys.txt");
        Files.writeString(f, "bob:" + hex("bob-key") + "\n");
        harness(Map.of("keys_file", f.toString(), "keys", List.of(key("alice", "alice-key"))));
        Files.writeString(f, "# nobody\n");
        ((ApiKeyConfig) h.config()).store().poll();
        assertThat(h.request("GET", "/").header("x-api-key", "alice-key").send().forwarded())
                .isTrue();
        assertThat(h.request("GET", "/").header("x-api-key", "bob-key").send().forwarded())
                .isFalse();
    }

    @Test
    void aRouteOverrideUsesItsOwnKeys() {
        twoKeys("header:x-api-key");
        Map<String, Object> other = Map.of("keys", List.of(key("ops", "ops-key")));
        StreamRun r =
                h.request("GET", "/admin").routeConfig(other).header("x-api-key", "ops-key").send();
        assertThat(r.upstreamHeaders().get("x-consumer")).isEqualTo("ops");
        assert401(
                h.request("GET", "/admin")
                        .routeConfig(other)
                        .header("x-api-key", "alice-key")
                        .send(),
                "API key is invalid");
    }
}
