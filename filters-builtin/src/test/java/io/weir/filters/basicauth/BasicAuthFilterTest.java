package io.weir.filters.basicauth;

import static org.assertj.core.api.Assertions.assertThat;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.weir.filters.common.Logs;
import io.weir.spi.LocalReply;
import io.weir.spi.testkit.FilterHarness;
import io.weir.spi.testkit.StreamRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BasicAuthFilterTest {
    static final String CHALLENGE = "Basic realm=\"weir\"";
    static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir Path dir;
    Path file;
    Hashes.Check check;
    VerifyPool pool;
    FilterHarness h;

    @BeforeEach
    void setUp() throws Exception {
        check = new Hashes.Check();
        pool = new VerifyPool(1, 1, check);
        file = dir.resolve("htpasswd");
        Files.writeString(
                file,
                "alice:"
                        + Hashes.bcrypt("wonderland")
                        + "\nbob:"
                        + Hashes.bcrypt(BCrypt.Version.VERSION_2A, 4, "builder")
                        + "\ncarol:"
                        + Hashes.bcrypt(BCrypt.Version.VERSION_2B, 4, "p:ss:word")
                        + "\n");
    }

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
        pool.shutdown();
    }

    FilterHarness harness(Map<String, Object> extra) {
        Map<String, Object> cfg = new HashMap<>(extra);
        cfg.put("htpasswd_file", file.toString());
        h = FilterHarness.of(new BasicAuthFilterFactory(pool), cfg);
        return h;
    }

    /** Sends and waits for bcrypt's answer to come back through the stream's executor. */
    StreamRun send(String authorization) throws InterruptedException {
        var req = h.request("GET", "/p").header("x-user", "spoofed");
        if (authorization != null) {
            req.header("authorization", authorization);
        }
        StreamRun r = req.send();
        assertThat(h.runPendingUntil(() -> r.over() || r.forwarded(), WAIT)).isTrue();
        return r;
    }

    static void assert401(StreamRun r, String body, String challenge) {
        LocalReply reply = r.localReply();
        assertThat(reply).as("local reply").isNotNull();
        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.body()).isEqualTo(body);
        assertThat(reply.headers()).containsExactly(Map.entry("www-authenticate", challenge));
        assertThat(r.forwarded()).isFalse();
    }

    @Test
    void theRightPasswordForwardsTheUserNameAndStripsAuthorization() throws Exception {
        harness(Map.of("forward_username_header", "x-user"));
        StreamRun r = send(Hashes.basic("alice:wonderland"));
        assertThat(r.forwarded()).isTrue();
        assertThat(r.upstreamHeaders().getAll("x-user")).containsExactly("alice");
        assertThat(r.upstreamHeaders().contains("authorization")).isFalse();
        assertThat(r.metadata("basic_auth.username")).isEqualTo("alice");
        assertThat(h.counter("weir_basic_auth_allowed_total")).isEqualTo(1);
    }

    @Test
    void twoATwoBAndTwoYHashesVerifyAndAPasswordMayHoldColons() throws Exception {
        harness(Map.of("forward", true));
        assertThat(send(Hashes.basic("bob:builder")).forwarded()).isTrue();
        StreamRun c = send(Hashes.basic("carol:p:ss:word"));
        assertThat(c.forwarded()).isTrue();
        assertThat(c.upstreamHeaders().get("authorization"))
                .isEqualTo(Hashes.basic("carol:p:ss:word"));
    }

    @Test
    void aCost10HashVerifies() throws Exception {
        Files.writeString(
                file, "zed:" + Hashes.bcrypt(BCrypt.Version.VERSION_2Y, 10, "slow") + "\n");
        harness(Map.of());
        assertThat(send(Hashes.basic("zed:slow")).forwarded()).isTrue();
        assert401(send(Hashes.basic("zed:fast")), BasicAuthFilter.INVALID, CHALLENGE);
    }

    @Test
    void aWrongPasswordGets401AndASpoofedUserHeaderIsRemoved() throws Exception {
        harness(Map.of("forward_username_header", "x-user"));
        StreamRun r = send(Hashes.basic("alice:Wonderland"));
        assert401(r, BasicAuthFilter.INVALID, CHALLENGE);
        assertThat(r.context().requestHeaders().contains("x-user")).isFalse();
        assertThat(h.counter("weir_basic_auth_denied_total", "wrong_password")).isEqualTo(1);
    }

    @Test
    void anUnknownUserGets401AfterAsMuchBcryptAsAKnownOne() throws Exception {
        harness(Map.of());
        assert401(send(Hashes.basic("mallory:wonderland")), BasicAuthFilter.INVALID, CHALLENGE);
        assertThat(check.calls).hasValue(1); // checked against a dummy hash
        assertThat(h.counter("weir_basic_auth_denied_total", "unknown_user")).isEqualTo(1);
    }

    @Test
    void malformedHeadersGet401WithoutBcrypt() throws Exception {
        harness(Map.of("realm", "staff only"));
        String ch = "Basic realm=\"staff only\"";
        assert401(send(null), BasicAuthFilter.MISSING, ch);
        assert401(send("   "), BasicAuthFilter.MISSING, ch);
        assert401(send("Bearer abc"), BasicAuthFilter.NOT_BASIC, ch);
        assert401(send("Basic"), BasicAuthFilter.NOT_BASIC, ch);
        assert401(send("Basicx YWxpY2U6d29uZGVybGFuZA=="), BasicAuthFilter.NOT_BASIC, ch);
        assert401(send("Basic !!!not-base64!!!"), BasicAuthFilter.MALFORMED, ch);
        assert401(send("Basic " + "YWxpY2U"), BasicAuthFilter.MALFORMED, ch); // "alice", no colon
        assert401(send(Hashes.basic("alicewonderland")), BasicAuthFilter.MALFORMED, ch);
        assertThat(check.started).hasValue(0);
        assertThat(h.counter("weir_basic_auth_denied_total", "missing")).isEqualTo(2);
        assertThat(h.counter("weir_basic_auth_denied_total", "malformed")).isEqualTo(6);
        // the scheme is case-insensitive
        assertThat(send("bAsIc " + Hashes.basic("alice:wonderland").substring(6)).forwarded())
                .isTrue();
    }

    @Test
    void aCachedSuccessSkipsBcryptButAWrongPasswordNeverHits() throws Exception {
        harness(Map.of());
        assertThat(send(Hashes.basic("alice:wonderland")).forwarded()).isTrue();
        assertThat(send(Hashes.basic("alice:wonderland")).forwarded()).isTrue();
        assertThat(check.calls).hasValue(1);
        assertThat(h.counter("weir_basic_auth_cache_total", "hit")).isEqualTo(1);
        assert401(send(Hashes.basic("alice:wonderlanD")), BasicAuthFilter.INVALID, CHALLENGE);
        assert401(send(Hashes.basic("alice:wonderlanD")), BasicAuthFilter.INVALID, CHALLENGE);
        assertThat(check.calls).hasValue(3); // failures are never cached
        assertThat(send(Hashes.basic("alice:wonderland")).forwarded()).isTrue();
        assertThat(check.calls).hasValue(3);
    }

    @Test
    void aCachedSuccessExpiresAfterTheTtl() throws Exception {
        harness(Map.of("cache", Map.of("ttl", "60s")));
        send(Hashes.basic("alice:wonderland"));
        h.advance(Duration.ofSeconds(59));
        send(Hashes.basic("alice:wonderland"));
        assertThat(check.calls).hasValue(1);
        h.advance(Duration.ofSeconds(1));
        send(Hashes.basic("alice:wonderland"));
        assertThat(check.calls).hasValue(2);
    }

    @Test
    void theCacheIsBoundedAndCanBeTurnedOff() throws Exception {
        harness(Map.of("cache", Map.of("max_entries", 1)));
        send(Hashes.basic("alice:wonderland"));
        send(Hashes.basic("bob:builder"));
        VerifyCache cache = ((BasicAuthConfig) h.config()).store().current().cache();
        assertThat(cache.size()).isEqualTo(1);
        h.close();
        harness(Map.of("cache", Map.of("max_entries", 0)));
        send(Hashes.basic("alice:wonderland"));
        send(Hashes.basic("alice:wonderland"));
        assertThat(check.calls).hasValue(4);
    }

    @Test
    void aChangedFileIsReloadedWithAnEmptyCacheAndABrokenOneKeepsTheUsers() throws Exception {
        harness(Map.of());
        UserStore store = ((BasicAuthConfig) h.config()).store();
        assertThat(send(Hashes.basic("alice:wonderland")).forwarded()).isTrue(); // now cached
        Files.writeString(file, "alice:" + Hashes.bcrypt("looking-glass") + "\n");
        store.poll();
        assert401(send(Hashes.basic("alice:wonderland")), BasicAuthFilter.INVALID, CHALLENGE);
        assertThat(send(Hashes.basic("alice:looking-glass")).forwarded()).isTrue();
        assert401(send(Hashes.basic("bob:builder")), BasicAuthFilter.INVALID, CHALLENGE);
        assertThat(h.counter("weir_basic_auth_reloads_total", "ok")).isEqualTo(1);

        String md5 = "$apr1$8kQ6Z3fH$Hx0iHnMAr0m4VzU7pO3wX.";
        try (Logs logs = new Logs()) {
            Files.writeString(file, "alice:" + Hashes.bcrypt("x") + "\nbob:" + md5 + "\n");
            store.poll();
            assertThat(logs.lines())
                    .singleElement()
                    .asString()
                    .contains("WARNING", "path=" + file, "line=2", "$apr1$")
                    .doesNotContain(md5);
        }
        assertThat(send(Hashes.basic("alice:looking-glass")).forwarded()).isTrue();
        assertThat(h.counter("weir_basic_auth_reloads_total", "error")).isEqualTo(1);
    }

    @Test
    void aSlowVerificationDoesNotBlockTheWorker() throws Exception {
        harness(Map.of());
        send(Hashes.basic("alice:wonderland")); // cached
        check.gate = new CountDownLatch(1);
        StreamRun slow =
                h.request("GET", "/").header("authorization", Hashes.basic("bob:builder")).send();
        // send() returned while bcrypt is stuck: the worker (this thread) serves other requests
        assertThat(slow.requestPaused()).isTrue();
        StreamRun fast = send(Hashes.basic("alice:wonderland"));
        assertThat(fast.forwarded()).isTrue();
        assert401(send(null), BasicAuthFilter.MISSING, CHALLENGE);
        assertThat(slow.over() || slow.forwarded()).isFalse();
        check.gate.countDown();
        assertThat(h.runPendingUntil(slow::forwarded, WAIT)).isTrue();
    }

    @Test
    void concurrentRequestsWithTheSameCredentialsShareOneBcrypt() throws Exception {
        harness(Map.of());
        check.gate = new CountDownLatch(1);
        List<StreamRun> same = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            same.add(
                    h.request("GET", "/")
                            .header("authorization", Hashes.basic("bob:builder"))
                            .send());
        }
        StreamRun wrong =
                h.request("GET", "/").header("authorization", Hashes.basic("bob:guess")).send();
        check.gate.countDown();
        assertThat(
                        h.runPendingUntil(
                                () -> same.stream().allMatch(StreamRun::forwarded) && wrong.over(),
                                WAIT))
                .isTrue();
        // one bcrypt for the five, one for the wrong password (never joined to the right one)
        assertThat(check.calls.get()).isEqualTo(2);
        assertThat(wrong.localReply().status()).isEqualTo(401);
        assertThat(h.counter("weir_basic_auth_allowed_total")).isEqualTo(5);
    }

    @Test
    void aFullQueueAnswers503() throws Exception {
        harness(Map.of("cache", Map.of("max_entries", 0)));
        check.gate = new CountDownLatch(1);
        StreamRun running =
                h.request("GET", "/").header("authorization", Hashes.basic("bob:builder")).send();
        StreamRun queued =
                h.request("GET", "/").header("authorization", Hashes.basic("bob:builder")).send();
        StreamRun refused =
                h.request("GET", "/").header("authorization", Hashes.basic("bob:builder")).send();
        // the first runs on the pool's one thread (a new thread takes its first task directly),
        // the second waits in the queue of 1, the third is refused
        LocalReply reply = refused.localReply();
        assertThat(reply).isNotNull();
        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.body()).isEqualTo("basic auth overloaded");
        assertThat(h.counter("weir_basic_auth_overloaded_total")).isEqualTo(1);
        check.gate.countDown();
        assertThat(h.runPendingUntil(() -> running.forwarded() && queued.forwarded(), WAIT))
                .isTrue();
    }

    @Test
    void aClientGoneDuringBcryptIsIgnoredWhenTheAnswerComes() throws Exception {
        harness(Map.of());
        check.gate = new CountDownLatch(1);
        StreamRun r =
                h.request("GET", "/").header("authorization", Hashes.basic("bob:builder")).send();
        r.abort();
        check.gate.countDown();
        assertThat(h.runPendingUntil(() -> check.calls.get() == 1, WAIT)).isTrue();
        h.runPending();
        assertThat(r.forwarded()).isFalse();
        assertThat(h.callsAfterDestroy()).isZero();
        assertThat(h.counter("weir_basic_auth_allowed_total")).isZero();
    }
}
