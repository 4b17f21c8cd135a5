package io.weir.filters.jwtauthn;

import static io.weir.filters.jwtauthn.Tokens.AUDIENCE;
import static io.weir.filters.jwtauthn.Tokens.EC_256;
import static io.weir.filters.jwtauthn.Tokens.EC_384;
import static io.weir.filters.jwtauthn.Tokens.ISSUER;
import static io.weir.filters.jwtauthn.Tokens.RSA;
import static io.weir.filters.jwtauthn.Tokens.RSA_2;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import io.weir.spi.HttpCallResponse;
import io.weir.spi.LocalReply;
import io.weir.spi.testkit.FilterHarness;
import io.weir.spi.testkit.StreamRun;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JwtAuthnFilterTest {
    static final JwtAuthnFilterFactory F = new JwtAuthnFilterFactory();
    static final String SECRET = "0123456789abcdef0123456789abcdef-hmac";

    FilterHarness h;

    @AfterEach
    void close() {
        if (h != null) {
            h.close();
        }
    }

    static Map<String, Object> provider(String name, Map<String, Object> jwks) {
        Map<String, Object> p = new HashMap<>();
        p.put("name", name);
        p.put("issuer", ISSUER);
        p.put("audiences", List.of(AUDIENCE));
        p.put("jwks", jwks);
        p.put("forward_claims", Map.of("sub", "x-jwt-sub"));
        return p;
    }

    static Map<String, Object> inline() {
        return Map.of(
                "inline",
                Tokens.jwks(RSA.toPublicJWK(), EC_256.toPublicJWK(), EC_384.toPublicJWK()));
    }

    FilterHarness harness(List<Map<String, Object>> providers, List<Map<String, Object>> rules) {
        h = FilterHarness.of(F, Map.of("providers", providers, "rules", rules));
        return h;
    }

    FilterHarness main() {
        return harness(
                List.of(provider("main", inline())),
                List.of(Map.of("match", Map.of("prefix", "/"), "requires", "main")));
    }

    StreamRun bearer(String token) {
        return h.request("GET", "/api?x=1")
                .header("host", "api.example")
                .header("authorization", "Bearer " + token)
                .send();
    }

    static void assert401(StreamRun r, String body, boolean invalidToken) {
        LocalReply reply = r.localReply();
        assertThat(reply).as("local reply").isNotNull();
        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.body()).isEqualTo(body);
        String challenge = "Bearer realm=\"http://example.com/api\""; // the kit's :authority
        assertThat(reply.headers())
                .containsExactly(
                        Map.entry(
                                "www-authenticate",
                                invalidToken
                                        ? challenge + ", error=\"invalid_token\""
                                        : challenge));
        assertThat(r.forwarded()).isFalse();
    }

    @Test
    void aValidRs256TokenPassesWithItsSubjectForwardedAndTheTokenStripped() {
        main();
        StreamRun r = bearer(Tokens.rs256());
        assertThat(r.forwarded()).isTrue();
        assertThat(r.upstreamHeaders().get("x-jwt-sub")).isEqualTo("alice");
        assertThat(r.upstreamHeaders().contains("authorization")).isFalse();
        @SuppressWarnings("unchecked")
        Map<String, Object> payload = (Map<String, Object>) r.metadata("jwt.payload");
        assertThat(payload).containsEntry("sub", "alice").containsEntry("iss", ISSUER);
        assertThat(r.metadata("jwt.provider")).isEqualTo("main");
        assertThat(h.counter("weir_jwt_authn_allowed_total")).isEqualTo(1);
    }

    @Test
    void everySupportedAsymmetricAlgorithmIsAccepted() {
        main();
        JWTClaimsSet c = Tokens.claims().build();
        for (JWSAlgorithm alg :
                List.of(
                        JWSAlgorithm.RS256,
                        JWSAlgorithm.RS384,
                        JWSAlgorithm.RS512,
                        JWSAlgorithm.PS256,
                        JWSAlgorithm.PS384,
                        JWSAlgorithm.PS512)) {
            assertThat(bearer(Tokens.sign(alg, RSA, c)).forwarded()).as(alg.getName()).isTrue();
        }
        assertThat(bearer(Tokens.sign(JWSAlgorithm.ES256, EC_256, c)).forwarded()).isTrue();
        assertThat(bearer(Tokens.sign(JWSAlgorithm.ES384, EC_384, c)).forwarded()).isTrue();
    }

    @Test
    void anExpiredTokenIsRefusedBeyondTheClockSkewOnly() {
        main();
        // exp 30 s ago: inside the default 60 s skew
        assertThat(
                        bearer(Tokens.rs256(b -> b.expirationTime(new Date(Tokens.NOW - 30_000))))
                                .forwarded())
                .isTrue();
        assert401(
                bearer(Tokens.rs256(b -> b.expirationTime(new Date(Tokens.NOW - 61_000)))),
                "Jwt is expired",
                true);
        assertThat(h.counter("weir_jwt_authn_denied_total", "expired")).isEqualTo(1);
    }

    @Test
    void aTokenNotYetValidIsRefused() {
        main();
        assert401(
                bearer(Tokens.rs256(b -> b.notBeforeTime(new Date(Tokens.NOW + 120_000)))),
                "Jwt not yet valid",
                true);
        assertThat(
                        bearer(Tokens.rs256(b -> b.notBeforeTime(new Date(Tokens.NOW + 30_000))))
                                .forwarded())
                .isTrue();
    }

    @Test
    void aWrongIssuerOrAudienceIsRefused() {
        main();
        assert401(
                bearer(Tokens.rs256(b -> b.issuer("https://evil.example"))),
                "Jwt issuer is not configured",
                true);
        assert401(
                bearer(Tokens.rs256(b -> b.audience("other-api"))),
                "Audiences in Jwt are not allowed",
                true);
        assertThat(
                        bearer(Tokens.rs256(b -> b.audience(List.of("other-api", AUDIENCE))))
                                .forwarded())
                .isTrue();
    }

    @Test
    void algNoneIsRefused() {
        main();
        assert401(bearer(Tokens.algNone(Tokens.claims().build())), "Jwt verification fails", true);
        assertThat(h.counter("weir_jwt_authn_denied_total", "unsupported_alg")).isEqualTo(1);
    }

    @Test
    void anHmacTokenKeyedWithTheRsaPublicKeyIsRefused() throws Exception {
        main();
        // the classic confusion attack: HS256 with the server's public key as the HMAC secret
        byte[] pem = RSA.toRSAPublicKey().getEncoded();
        String forged =
                Tokens.sign(
                        JWSAlgorithm.HS256,
                        RSA.getKeyID(),
                        Tokens.mac(pem),
                        Tokens.claims().build());
        assert401(bearer(forged), "Jwks doesn't have key to match kid or alg from Jwt", true);
        String jwkText = RSA.toPublicJWK().toJSONString();
        byte[] padded = (jwkText + jwkText).getBytes(StandardCharsets.UTF_8);
        String forged2 =
                Tokens.sign(JWSAlgorithm.HS256, null, Tokens.mac(padded), Tokens.claims().build());
        assert401(bearer(forged2), "Jwks doesn't have key to match kid or alg from Jwt", true);
    }

    @Test
    void tamperedTokensAreRefused() {
        main();
        String good = Tokens.rs256();
        String[] parts = good.split("\\.");
        String otherPayload = Tokens.b64(Tokens.claims().subject("mallory").build().toString());
        assert401(
                bearer(parts[0] + "." + otherPayload + "." + parts[2]),
                "Jwt verification fails",
                true);
        char last = parts[2].charAt(parts[2].length() - 2);
        String sig =
                parts[2].substring(0, parts[2].length() - 2)
                        + (last == 'A' ? 'B' : 'A')
                        + parts[2].charAt(parts[2].length() - 1);
        assert401(bearer(parts[0] + "." + parts[1] + "." + sig), "Jwt verification fails", true);
        // signed by a key the provider does not have, under a kid it has
        String foreign =
                Tokens.sign(
                        JWSAlgorithm.RS256,
                        RSA.getKeyID(),
                        Tokens.signer(RSA_2),
                        Tokens.claims().build());
        assert401(bearer(foreign), "Jwt verification fails", true);
    }

    @Test
    void malformedTokensAreRefused() {
        main();
        String form =
                "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections";
        assert401(bearer("abc.def"), form, true);
        assert401(bearer("!!!.@@@.###"), form, true);
        assert401(bearer(Tokens.b64("not json") + "." + Tokens.b64("{}") + ".c2ln"), form, true);
        assert401(
                bearer(Tokens.b64("{\"alg\":\"RS256\"}") + "." + Tokens.b64("[1,2]") + ".c2ln"),
                form,
                true);
    }

    @Test
    void anUnknownKidIsRefused() {
        main();
        String t =
                Tokens.sign(
                        JWSAlgorithm.RS256, "nobody", Tokens.signer(RSA), Tokens.claims().build());
        assert401(bearer(t), "Jwks doesn't have key to match kid or alg from Jwt", true);
    }

    @Test
    void aMissingTokenGets401WithoutError() {
        main();
        assert401(
                h.request("GET", "/api").header("host", "api.example").send(),
                "Jwt is missing",
                false);
        assert401(
                h.request("GET", "/api")
                        .header("host", "api.example")
                        .header("authorization", "Basic YTpi")
                        .send(),
                "Jwt is missing",
                false);
    }

    @Test
    void theBearerSchemeIsCaseInsensitive() {
        main();
        StreamRun r =
                h.request("GET", "/").header("authorization", "bEaReR " + Tokens.rs256()).send();
        assertThat(r.forwarded()).isTrue();
    }

    @Test
    void tokensAreFoundInAHeaderAQueryParameterOrACookie() {
        Map<String, Object> p = provider("main", inline());
        p.put("from", List.of("header:x-token", "query:access_token", "cookie:session"));
        harness(List.of(p), List.of(Map.of("match", Map.of("prefix", "/"), "requires", "main")));
        String t = Tokens.rs256();
        StreamRun viaHeader = h.request("GET", "/").header("x-token", t).send();
        assertThat(viaHeader.forwarded()).isTrue();
        assertThat(viaHeader.upstreamHeaders().contains("x-token")).isFalse();
        StreamRun viaQuery = h.request("GET", "/p?a=1&access_token=" + t + "&b=2").send();
        assertThat(viaQuery.forwarded()).isTrue();
        assertThat(viaQuery.upstreamHeaders().get(":path")).isEqualTo("/p?a=1&b=2");
        StreamRun viaCookie =
                h.request("GET", "/")
                        .header("cookie", "theme=dark; session=" + t + "; lang=en")
                        .send();
        assertThat(viaCookie.forwarded()).isTrue();
        assertThat(viaCookie.upstreamHeaders().get("cookie")).isEqualTo("theme=dark; lang=en");
        // the bearer header is not one of this provider's sources
        assertThat(h.request("GET", "/").header("authorization", "Bearer " + t).send().forwarded())
                .isFalse();
    }

    @Test
    void forwardKeepsTheToken() {
        Map<String, Object> p = provider("main", inline());
        p.put("forward", true);
        harness(List.of(p), List.of(Map.of("match", Map.of("prefix", "/"), "requires", "main")));
        String t = Tokens.rs256();
        assertThat(bearer(t).upstreamHeaders().get("authorization")).isEqualTo("Bearer " + t);
    }

    @Test
    void aClientSentClaimHeaderIsRemovedEvenWithoutAToken() {
        harness(
                List.of(provider("main", inline())),
                List.of(
                        Map.of("match", Map.of("prefix", "/public"), "requires", "allow_missing"),
                        Map.of("match", Map.of("prefix", "/"), "requires", "main")));
        StreamRun r = h.request("GET", "/public/x").header("x-jwt-sub", "admin").send();
        assertThat(r.forwarded()).isTrue();
        assertThat(r.upstreamHeaders().contains("x-jwt-sub")).isFalse();
        StreamRun spoof = bearerWith("x-jwt-sub", "admin", Tokens.rs256());
        assertThat(spoof.upstreamHeaders().getAll("x-jwt-sub")).containsExactly("alice");
    }

    StreamRun bearerWith(String header, String value, String token) {
        return h.request("GET", "/api")
                .header(header, value)
                .header("authorization", "Bearer " + token)
                .send();
    }

    @Test
    void claimsThatAreNotStringsAreForwardedAsText() {
        Map<String, Object> p = provider("main", inline());
        p.put(
                "forward_claims",
                Map.of("admin", "x-admin", "level", "x-level", "groups", "x-groups"));
        harness(List.of(p), List.of(Map.of("match", Map.of("prefix", "/"), "requires", "main")));
        StreamRun r =
                bearer(
                        Tokens.rs256(
                                b ->
                                        b.claim("admin", true)
                                                .claim("level", 3)
                                                .claim("groups", List.of("a", "b\""))));
        assertThat(r.upstreamHeaders().get("x-admin")).isEqualTo("true");
        assertThat(r.upstreamHeaders().get("x-level")).isEqualTo("3");
        assertThat(r.upstreamHeaders().get("x-groups")).isEqualTo("[\"a\",\"b\\\"\"]");
    }

    @Test
    void theFirstMatchingRuleDecidesAndUnmatchedPathsPass() {
        harness(
                List.of(provider("main", inline())),
                List.of(
                        Map.of("match", Map.of("path", "/health"), "requires", "allow_missing"),
                        Map.of("match", Map.of("prefix", "/api"), "requires", "main")));
        assertThat(h.request("GET", "/health").send().forwarded()).isTrue();
        assertThat(h.request("GET", "/healthz").send().forwarded()).isTrue(); // no rule
        assertThat(h.request("GET", "/api/x").send().forwarded()).isFalse();
        // allow_missing: a present token must still be good
        assertThat(
                        h.request("GET", "/health")
                                .header("authorization", "Bearer x.y.z")
                                .send()
                                .forwarded())
                .isFalse();
    }

    @Test
    void allowMissingOrFailedLetsBadTokensThroughWithoutClaims() {
        harness(
                List.of(provider("main", inline())),
                List.of(
                        Map.of(
                                "match",
                                Map.of("prefix", "/"),
                                "requires",
                                "allow_missing_or_failed")));
        StreamRun r = h.request("GET", "/").header("authorization", "Bearer x.y.z").send();
        assertThat(r.forwarded()).isTrue();
        assertThat(r.metadata("jwt.payload")).isNull();
    }

    @Test
    void anyOfAcceptsATokenOfEitherProvider() {
        Map<String, Object> other =
                provider("other", Map.of("inline", Tokens.jwks(RSA_2.toPublicJWK())));
        other.put("issuer", "https://other.example");
        other.put("from", List.of("header:x-other-token"));
        harness(
                List.of(provider("main", inline()), other),
                List.of(
                        Map.of(
                                "match",
                                Map.of("prefix", "/"),
                                "requires",
                                Map.of("any_of", List.of("main", "other")))));
        String t2 =
                Tokens.sign(
                        JWSAlgorithm.RS256,
                        RSA_2,
                        Tokens.claims().issuer("https://other.example").build());
        StreamRun r = h.request("GET", "/").header("x-other-token", t2).send();
        assertThat(r.forwarded()).isTrue();
        assertThat(r.metadata("jwt.provider")).isEqualTo("other");
        assertThat(bearer(Tokens.rs256()).metadata("jwt.provider")).isEqualTo("main");
        assert401(
                h.request("GET", "/api").header("host", "api.example").send(),
                "Jwt is missing",
                false);
    }

    @Test
    void hs256NeedsTheConfiguredSecret() {
        harness(
                List.of(provider("hs", Map.of("hmac_secret", SECRET))),
                List.of(Map.of("match", Map.of("prefix", "/"), "requires", "hs")));
        byte[] s = SECRET.getBytes(StandardCharsets.UTF_8);
        assertThat(
                        bearer(
                                        Tokens.sign(
                                                JWSAlgorithm.HS256,
                                                null,
                                                Tokens.mac(s),
                                                Tokens.claims().build()))
                                .forwarded())
                .isTrue();
        byte[] wrong = "another-secret-of-enough-length-000".getBytes(StandardCharsets.UTF_8);
        assert401(
                bearer(
                        Tokens.sign(
                                JWSAlgorithm.HS256,
                                null,
                                Tokens.mac(wrong),
                                Tokens.claims().build())),
                "Jwt verification fails",
                true);
        // an RSA token against an HMAC-only provider: no key fits
        assert401(
                bearer(Tokens.rs256()), "Jwks doesn't have key to match kid or alg from Jwt", true);
    }

    @Test
    void aCachedTokenIsNotVerifiedAgainButStillExpires() {
        main();
        Provider p = ((JwtAuthnConfig) h.config()).providers().get("main");
        String t = Tokens.rs256(b -> b.expirationTime(new Date(Tokens.NOW + 120_000)));
        assertThat(bearer(t).forwarded()).isTrue();
        assertThat(bearer(t).forwarded()).isTrue();
        assertThat(bearer(t).forwarded()).isTrue();
        assertThat(p.signatureChecks.sum()).isEqualTo(1);
        assertThat(h.counter("weir_jwt_authn_cache_total", "hit")).isEqualTo(2);
        h.advance(Duration.ofSeconds(120 + 61));
        assert401(bearer(t), "Jwt is expired", true);
        // a failure is never cached as a success: the same bad token is checked each time
        String bad =
                Tokens.sign(
                        JWSAlgorithm.RS256,
                        RSA.getKeyID(),
                        Tokens.signer(RSA_2),
                        Tokens.claims().build());
        assert401(bearer(bad), "Jwt verification fails", true);
        assert401(bearer(bad), "Jwt verification fails", true);
        assertThat(p.signatureChecks.sum()).isEqualTo(3);
    }

    @Test
    void aRemoteJwksIsFetchedOnceAndRequestsWaitForIt() {
        AtomicInteger fetches = new AtomicInteger();
        AtomicReference<String> served = new AtomicReference<>(Tokens.jwks(RSA.toPublicJWK()));
        harness(
                List.of(
                        provider(
                                "idp", Map.of("uri", "http://idp.example/keys", "cluster", "idp"))),
                List.of(Map.of("match", Map.of("prefix", "/"), "requires", "idp")));
        h.onHttpCall(
                "idp",
                rq -> {
                    fetches.incrementAndGet();
                    assertThat(rq.path()).isEqualTo("/keys");
                    assertThat(rq.authority()).isEqualTo("idp.example");
                    return new HttpCallResponse(
                            200, List.of(), served.get().getBytes(StandardCharsets.UTF_8), null);
                });
        assertThat(bearer(Tokens.rs256()).forwarded()).isTrue();
        assertThat(bearer(Tokens.rs256(b -> b.subject("bob"))).forwarded()).isTrue();
        assertThat(fetches.get()).isEqualTo(1);

        // rotation: a token under a new kid makes it fetch again (once per refetch_min_interval)
        served.set(Tokens.jwks(RSA_2.toPublicJWK()));
        String rotated = Tokens.sign(JWSAlgorithm.RS256, RSA_2, Tokens.claims().build());
        h.advance(Duration.ofSeconds(31));
        assertThat(bearer(rotated).forwarded()).isTrue();
        assertThat(fetches.get()).isEqualTo(2);
        // the old key is gone from the JWKS: its tokens (even cached ones) are refused now
        assert401(
                bearer(Tokens.rs256()), "Jwks doesn't have key to match kid or alg from Jwt", true);
    }

    @Test
    void aJwksThatCannotBeFetchedDeniesAndIsRetried() {
        AtomicInteger fetches = new AtomicInteger();
        harness(
                List.of(
                        provider(
                                "idp", Map.of("uri", "http://idp.example/keys", "cluster", "idp"))),
                List.of(Map.of("match", Map.of("prefix", "/"), "requires", "idp")));
        h.onHttpCall(
                "idp",
                rq -> {
                    fetches.incrementAndGet();
                    return HttpCallResponse.failed("connect_failure");
                });
        assert401(bearer(Tokens.rs256()), "Jwks remote fetch is failed", true);
        assert401(
                bearer(Tokens.rs256()),
                "Jwks remote fetch is failed",
                true); // within 1 s: no new fetch
        assertThat(fetches.get()).isEqualTo(1);
        h.advance(Duration.ofSeconds(2));
        assert401(bearer(Tokens.rs256()), "Jwks remote fetch is failed", true);
        assertThat(fetches.get()).isEqualTo(2);
        assertThat(h.counter("weir_jwt_authn_denied_total", "jwks_fetch")).isEqualTo(3);
    }

    @Test
    void aSlowJwksFetchTimesOutInto401() {
        harness(
                List.of(
                        provider(
                                "idp",
                                Map.of(
                                        "uri",
                                        "http://idp.example/keys",
                                        "cluster",
                                        "idp",
                                        "timeout",
                                        "200ms"))),
                List.of(Map.of("match", Map.of("prefix", "/"), "requires", "idp")));
        StreamRun r = bearer(Tokens.rs256()); // no script: the call stays pending
        assertThat(r.forwarded()).isFalse();
        assertThat(r.localReply()).isNull();
        h.advance(Duration.ofMillis(250));
        assert401(r, "Jwks remote fetch is failed", true);
    }

    /** The bench script's exact shape: a file JWKS whose key names alg RS256 and use sig. */
    @Test
    void theBenchConfigWithAnAbsoluteJwksFileAndAlgAndUseOnTheKeyAcceptsAnRs256Token()
            throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("jwt-bench");
        java.nio.file.Path file = dir.resolve("jwks.json");
        com.nimbusds.jose.jwk.RSAKey priv = Tokens.rsa("bench");
        com.nimbusds.jose.jwk.RSAKey key =
                new com.nimbusds.jose.jwk.RSAKey.Builder(priv.toRSAPublicKey())
                        .keyID("bench")
                        .algorithm(JWSAlgorithm.RS256)
                        .keyUse(com.nimbusds.jose.jwk.KeyUse.SIGNATURE)
                        .build();
        java.nio.file.Files.writeString(file, Tokens.jwks(key));
        assertThat(java.nio.file.Files.readString(file))
                .contains("\"alg\":\"RS256\"")
                .contains("\"use\":\"sig\"");
        Map<String, Object> p = new HashMap<>();
        p.put("name", "bench");
        p.put("issuer", "https://bench.weir");
        p.put("audiences", List.of("bench"));
        p.put("jwks", Map.of("file", file.toAbsolutePath().toString()));
        p.put("forward_claims", Map.of("sub", "x-jwt-sub"));
        harness(List.of(p), List.of(Map.of("match", Map.of("prefix", "/"), "requires", "bench")));
        String token =
                Tokens.sign(
                        JWSAlgorithm.RS256,
                        priv,
                        Tokens.claims()
                                .issuer("https://bench.weir")
                                .audience("bench")
                                .subject("bench-user")
                                .build());
        StreamRun r = bearer(token);
        assertThat(r.forwarded()).isTrue();
        assertThat(r.upstreamHeaders().get("x-jwt-sub")).isEqualTo("bench-user");
        // the key's alg binds it: the same key does not verify an RS512 token
        String rs512 =
                Tokens.sign(
                        JWSAlgorithm.RS512,
                        priv,
                        Tokens.claims().issuer("https://bench.weir").audience("bench").build());
        assert401(bearer(rs512), "Jwks doesn't have key to match kid or alg from Jwt", true);
    }

    @Test
    void aKeyMarkedForEncryptionIsNotUsedToVerifySignatures() {
        com.nimbusds.jose.jwk.RSAKey enc =
                new com.nimbusds.jose.jwk.RSAKey.Builder(RSA.toPublicJWK())
                        .keyUse(com.nimbusds.jose.jwk.KeyUse.ENCRYPTION)
                        .build();
        harness(
                List.of(provider("main", Map.of("inline", Tokens.jwks(enc, EC_256.toPublicJWK())))),
                List.of(Map.of("match", Map.of("prefix", "/"), "requires", "main")));
        assert401(
                bearer(Tokens.rs256()), "Jwks doesn't have key to match kid or alg from Jwt", true);
    }
}
