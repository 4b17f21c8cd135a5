package io.weir.filters.jwtauthn;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.HttpFilterFactory;
import io.weir.spi.WeirPlugin;
import io.weir.spi.testkit.FilterHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JwtAuthnConfigTest {
    static final JwtAuthnFilterFactory F = new JwtAuthnFilterFactory();
    static final Map<String, Object> RULE =
            Map.of("match", Map.of("prefix", "/"), "requires", "main");

    @TempDir Path dir;

    static List<String> errors(Object config) {
        return FilterHarness.configErrors(F, config);
    }

    static Map<String, Object> main(Map<String, Object> jwks) {
        return Map.of("name", "main", "jwks", jwks);
    }

    static Map<String, Object> inline() {
        return Map.of("inline", Tokens.jwks(Tokens.RSA.toPublicJWK()));
    }

    @Test
    void aMinimalConfigBindsWithItsDefaults() {
        JwtAuthnConfig c =
                (JwtAuthnConfig)
                        FilterHarness.parseConfig(
                                F,
                                Map.of(
                                        "providers",
                                        List.of(main(inline())),
                                        "rules",
                                        List.of(RULE)));
        Provider p = c.providers().get("main");
        assertThat(p.from).containsExactly(TokenSource.BEARER);
        assertThat(p.skewMillis).isEqualTo(60_000);
        assertThat(p.forward).isFalse();
        assertThat(p.issuer).isNull();
        assertThat(p.cache.enabled()).isTrue();
        assertThat(c.rule("/anything").anyOf()).containsExactly(p);
    }

    @Test
    void theJwksFileIsReadAtStartUpAndItsProblemsNameThePath() throws Exception {
        Path good = dir.resolve("jwks.json");
        Files.writeString(good, Tokens.jwks(Tokens.RSA.toPublicJWK()));
        assertThat(
                        errors(
                                Map.of(
                                        "providers",
                                        List.of(main(Map.of("file", good.toString()))),
                                        "rules",
                                        List.of(RULE))))
                .isEmpty();
        Path missing = dir.resolve("nope.json");
        assertThat(
                        errors(
                                Map.of(
                                        "providers",
                                        List.of(main(Map.of("file", missing.toString()))),
                                        "rules",
                                        List.of(RULE))))
                .containsExactly(
                        "config.providers[0].jwks.file: cannot read "
                                + missing
                                + " (NoSuchFileException)");
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"not\": \"a jwks\"}");
        assertThat(
                        errors(
                                Map.of(
                                        "providers",
                                        List.of(main(Map.of("file", bad.toString()))),
                                        "rules",
                                        List.of(RULE))))
                .containsExactly(
                        "config.providers[0].jwks.file: "
                                + bad
                                + " is not a JWKS (a JSON object with a \"keys\" list)");
        Path oct = dir.resolve("oct.json");
        Files.writeString(
                oct,
                "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\"}]}");
        assertThat(
                        errors(
                                Map.of(
                                        "providers",
                                        List.of(main(Map.of("file", oct.toString()))),
                                        "rules",
                                        List.of(RULE))))
                .containsExactly(
                        "config.providers[0].jwks.file: "
                                + oct
                                + " has no usable key (RSA or EC public keys)");
    }

    @Test
    void errorsNameTheYamlPath() {
        assertThat(errors(Map.of("providers", List.of(main(inline())))))
                .containsExactly("config.rules: is required (without rules no request is checked)");
        assertThat(
                        errors(
                                Map.of(
                                        "providers",
                                        List.of(main(inline())),
                                        "rules",
                                        List.of(
                                                Map.of(
                                                        "match",
                                                        Map.of("prefix", "/"),
                                                        "requires",
                                                        "other")))))
                .containsExactly(
                        "config.rules[0].requires: unknown provider \"other\" (expected one of: main)");
        assertThat(
                        errors(
                                Map.of(
                                        "providers",
                                        List.of(Map.of("name", "main")),
                                        "rules",
                                        List.of(RULE))))
                .containsExactly(
                        "config.providers[0].jwks: is required (file, inline, uri with cluster, or hmac_secret)");
        assertThat(
                        errors(
                                Map.of(
                                        "providers",
                                        List.of(main(Map.of("inline", "{}", "hmac_secret", "x"))),
                                        "rules",
                                        List.of(RULE))))
                .containsExactly(
                        "config.providers[0].jwks: needs exactly one of file, inline, uri, hmac_secret (has 2)");
        assertThat(
                        errors(
                                Map.of(
                                        "providers",
                                        List.of(main(Map.of("hmac_secret", "short-secret"))),
                                        "rules",
                                        List.of(RULE))))
                .containsExactly(
                        "config.providers[0].jwks.hmac_secret: must be at least 32 bytes for HS256 (was 12; the value is not shown)");
        assertThat(
                        errors(
                                Map.of(
                                        "providers",
                                        List.of(main(Map.of("uri", "http://idp/keys"))),
                                        "rules",
                                        List.of(RULE))))
                .containsExactly(
                        "config.providers[0].jwks.cluster: is required with uri (the cluster that serves the JWKS)");
        assertThat(
                        errors(
                                Map.of(
                                        "providers",
                                        List.of(
                                                main(
                                                        Map.of(
                                                                "uri",
                                                                "ftp://idp/keys",
                                                                "cluster",
                                                                "idp"))),
                                        "rules",
                                        List.of(RULE))))
                .containsExactly(
                        "config.providers[0].jwks.uri: expected an http:// or https:// URL (was \"ftp://idp/keys\")");
        assertThat(
                        errors(
                                Map.of(
                                        "providers",
                                        List.of(
                                                main(
                                                        Map.of(
                                                                "inline",
                                                                inline().get("inline"),
                                                                "cluster",
                                                                "idp"))),
                                        "rules",
                                        List.of(RULE))))
                .containsExactly("config.providers[0].jwks.cluster: applies only with uri");
        Map<String, Object> badFrom =
                Map.of("name", "main", "jwks", inline(), "from", List.of("body:token"));
        assertThat(errors(Map.of("providers", List.of(badFrom), "rules", List.of(RULE))))
                .containsExactly(
                        "config.providers[0].from[0]: expected authorization_bearer, header:NAME (a lower-case header name), query:NAME or cookie:NAME (was \"body:token\")");
        Map<String, Object> badClaim =
                Map.of("name", "main", "jwks", inline(), "forward_claims", Map.of("sub", "X Sub"));
        assertThat(errors(Map.of("providers", List.of(badClaim), "rules", List.of(RULE))))
                .containsExactly(
                        "config.providers[0].forward_claims.sub: expected a lower-case header name (was \"X Sub\")");
        assertThat(
                        errors(
                                Map.of(
                                        "providers",
                                        List.of(main(inline()), main(inline())),
                                        "rules",
                                        List.of(RULE))))
                .containsExactly("config.providers[1].name: repeats the provider \"main\"");
        assertThat(
                        errors(
                                Map.of(
                                        "providers",
                                        List.of(main(inline())),
                                        "rules",
                                        List.of(
                                                Map.of(
                                                        "match",
                                                        Map.of("prefix", "/", "path", "/x"),
                                                        "requires",
                                                        "main")))))
                .containsExactly("config.rules[0].match: needs exactly one of prefix, path");
        assertThat(
                        errors(
                                        Map.of(
                                                "providers",
                                                List.of(main(inline())),
                                                "rules",
                                                List.of(RULE),
                                                "extra",
                                                1))
                                .get(0))
                .startsWith("config.extra: unknown key");
    }

    @Test
    void theSecretIsNeverInAnError() {
        String secret = "not-long-enough";
        assertThat(
                        errors(
                                Map.of(
                                        "providers",
                                        List.of(main(Map.of("hmac_secret", secret))),
                                        "rules",
                                        List.of(RULE))))
                .allSatisfy(e -> assertThat(e).doesNotContain(secret));
    }

    @Test
    void serviceLoaderFindsThePlugin() {
        List<String> names =
                ServiceLoader.load(WeirPlugin.class).stream()
                        .flatMap(p -> p.get().httpFilters().stream())
                        .map(HttpFilterFactory::name)
                        .toList();
        assertThat(names).contains("weir.jwt_authn");
    }
}
