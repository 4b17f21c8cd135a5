package io.weir.filters.cors;

import static io.weir.spi.testkit.FilterHarness.configErrors;
import static io.weir.spi.testkit.FilterHarness.parseConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CorsConfigTest {
    private final CorsFilterFactory factory = new CorsFilterFactory();

    private static Map<String, Object> origins(Object allowOrigins, Object... extra) {
        Map<String, Object> c = new HashMap<>();
        c.put("allow_origins", allowOrigins);
        for (int i = 0; i < extra.length; i += 2) {
            c.put((String) extra[i], extra[i + 1]);
        }
        return c;
    }

    @Test
    void bindsTheExampleConfig() {
        Map<String, Object> raw =
                Map.of(
                        "allow_origins",
                        List.of(
                                "https://App.example",
                                Map.of("regex", "https://.*\\.example\\.com")),
                        "allow_methods",
                        List.of("GET", "POST", "PUT"),
                        "allow_headers",
                        List.of("Content-Type", "authorization"),
                        "expose_headers",
                        List.of("x-request-id"),
                        "max_age",
                        "86400s",
                        "allow_credentials",
                        false);
        CorsConfig c = (CorsConfig) parseConfig(factory, raw);

        assertThat(c.origins.any()).isFalse();
        assertThat(c.origins.exact()).containsExactly("https://app.example");
        assertThat(c.origins.regexes()).singleElement().hasToString("https://.*\\.example\\.com");
        assertThat(c.allowMethods).containsExactly("GET", "POST", "PUT");
        assertThat(c.allowHeaders).containsExactly("content-type", "authorization");
        assertThat(c.exposeHeaders).containsExactly("x-request-id");
        assertThat(c.maxAge).isEqualTo(Duration.ofDays(1));
        assertThat(c.allowCredentials).isFalse();
        assertThat(c.forwardNotMatchingPreflights).isTrue();
        assertThat(c.allowMethodsValue).isEqualTo("GET, POST, PUT");
        assertThat(c.allowHeadersValue).isEqualTo("content-type, authorization");
        assertThat(c.exposeHeadersValue).isEqualTo("x-request-id");
        assertThat(c.maxAgeValue).isEqualTo("86400");
    }

    @Test
    void onlyAllowOriginsIsRequired() {
        CorsConfig c = (CorsConfig) parseConfig(factory, origins(List.of("*")));
        assertThat(c.origins.any()).isTrue();
        assertThat(c.allowMethodsValue).isNull();
        assertThat(c.allowHeadersValue).isNull();
        assertThat(c.exposeHeadersValue).isNull();
        assertThat(c.maxAgeValue).isNull();
        assertThat(c.wildcardOrigin()).isTrue();
    }

    @Test
    void requiresAllowOrigins() {
        assertThat(configErrors(factory, null))
                .containsExactly(
                        "config.allow_origins: is required (a list of origins such as"
                                + " https://app.example, \"*\" or {regex: ...})");
        assertThat(configErrors(factory, origins(List.of())))
                .containsExactly("config.allow_origins: must not be empty");
        assertThat(configErrors(factory, origins(5)))
                .containsExactly("config.allow_origins: expected a list (was 5)");
    }

    @Test
    void rejectsSomethingThatIsNotAnOrigin() {
        for (Object bad :
                List.of(
                        "https://app.example/",
                        "https://app.example/path",
                        "app.example",
                        "https://",
                        "https://user@app.example",
                        "https://app.example:0",
                        "https://app.example:65536",
                        "https://app.example:http",
                        "1https://app.example",
                        "null")) {
            assertThat(configErrors(factory, origins(List.of(bad))))
                    .as(bad.toString())
                    .containsExactly(
                            "config.allow_origins[0]: expected \"*\", an origin such as"
                                    + " https://app.example (scheme://host[:port], nothing after"
                                    + " it) or {regex: ...} (was \""
                                    + bad
                                    + "\")");
        }
        assertThat(configErrors(factory, origins(List.of(true))))
                .containsExactly(
                        "config.allow_origins[0]: expected \"*\", an origin such as"
                                + " https://app.example (scheme://host[:port], nothing after it)"
                                + " or {regex: ...} (was true)");
    }

    @Test
    void rejectsABadRegexEntry() {
        assertThat(configErrors(factory, origins(List.of(Map.of("regex", "https://(a")))))
                .containsExactly(
                        "config.allow_origins[0].regex: invalid regex \"https://(a\": missing"
                                + " closing )");
        assertThat(configErrors(factory, origins(List.of(Map.of("prefix", "https://")))))
                .containsExactly(
                        "config.allow_origins[0].prefix: unknown key (expected one of: regex)",
                        "config.allow_origins[0].regex: is required");
        assertThat(configErrors(factory, origins(List.of(Map.of("regex", "")))))
                .containsExactly("config.allow_origins[0].regex: must not be empty");
    }

    @Test
    void normalizesOriginsAsSerializedOrigins() {
        assertThat(Origins.normalize("HTTPS://App.Example:443")).isEqualTo("https://app.example");
        assertThat(Origins.normalize("http://app.example:80")).isEqualTo("http://app.example");
        assertThat(Origins.normalize("http://app.example:443")).isEqualTo("http://app.example:443");
        assertThat(Origins.normalize("http://localhost:08080")).isEqualTo("http://localhost:8080");
        assertThat(Origins.normalize("http://[::1]:8080")).isEqualTo("http://[::1]:8080");
        assertThat(Origins.normalize("http://[::1]")).isEqualTo("http://[::1]");
        assertThat(Origins.normalize("chrome-extension://abc")).isEqualTo("chrome-extension://abc");
        assertThat(Origins.normalize("null")).isNull();
        assertThat(Origins.normalize("https://a b")).isNull();
    }

    @Test
    void credentialsWithAWildcardOriginAreAnError() {
        assertThat(configErrors(factory, origins(List.of("*"), "allow_credentials", true)))
                .containsExactly(
                        "config.allow_credentials: cannot be true when allow_origins has \"*\""
                                + " (the Fetch standard forbids a wildcard origin with"
                                + " credentials; list the origins or use a regex)");
        assertThat(configErrors(factory, origins("*", "allow_credentials", true))).hasSize(1);
        assertThat(
                        configErrors(
                                factory,
                                origins(List.of(Map.of("regex", ".*")), "allow_credentials", true)))
                .isEmpty();
    }

    @Test
    void aStarExposeHeaderWithCredentialsIsAnError() {
        assertThat(
                        configErrors(
                                factory,
                                origins(
                                        List.of("https://a.example"),
                                        "allow_credentials",
                                        true,
                                        "expose_headers",
                                        List.of("*"))))
                .containsExactly(
                        "config.expose_headers: \"*\" is not a wildcard when allow_credentials is"
                                + " true (the Fetch standard reads it as a header named *); list"
                                + " the headers");
        assertThat(
                        configErrors(
                                factory,
                                origins(
                                        List.of("https://a.example"),
                                        "expose_headers",
                                        List.of("*"))))
                .isEmpty();
    }

    @Test
    void rejectsMethodsAndHeaderNamesThatAreNotTokens() {
        assertThat(
                        configErrors(
                                factory,
                                origins(
                                        List.of("*"),
                                        "allow_methods",
                                        List.of("GET", "GE T"),
                                        "allow_headers",
                                        List.of("x:a"),
                                        "expose_headers",
                                        List.of(""))))
                .containsExactlyInAnyOrder(
                        "config.allow_methods[1]: invalid method \"GE T\" (expected an HTTP token"
                                + " or \"*\")",
                        "config.allow_headers[0]: invalid header name \"x:a\" (expected an HTTP"
                                + " token or \"*\")",
                        "config.expose_headers[0]: must not be empty");
        assertThat(configErrors(factory, origins(List.of("*"), "allow_methods", "GET")))
                .containsExactly("config.allow_methods: expected a list (was \"GET\")");
    }

    @Test
    void maxAgeIsAWholeNumberOfSeconds() {
        assertThat(configErrors(factory, origins(List.of("*"), "max_age", "1500ms")))
                .containsExactly(
                        "config.max_age: must be a whole number of seconds (was \"1500ms\")");
        assertThat(configErrors(factory, origins(List.of("*"), "max_age", 600)))
                .containsExactly(
                        "config.max_age: expected a duration such as 250ms, 1s, 2m, 1h (was 600)");
        CorsConfig c = (CorsConfig) parseConfig(factory, origins(List.of("*"), "max_age", "10m"));
        assertThat(c.maxAgeValue).isEqualTo("600");
        CorsConfig zero = (CorsConfig) parseConfig(factory, origins(List.of("*"), "max_age", "0s"));
        assertThat(zero.maxAgeValue).isEqualTo("0");
    }

    @Test
    void rejectsUnknownKeysAndWrongTypes() {
        assertThat(configErrors(factory, origins(List.of("*"), "allow_origin", List.of("*"))))
                .containsExactly(
                        "config.allow_origin: unknown key (expected one of: allow_origins,"
                                + " allow_methods, allow_headers, expose_headers, max_age,"
                                + " allow_credentials, forward_not_matching_preflights)");
        assertThat(configErrors(factory, origins(List.of("*"), "allow_credentials", "yes")))
                .containsExactly("config.allow_credentials: expected true or false (was \"yes\")");
        assertThat(configErrors(factory, List.of("*")))
                .containsExactly("config: expected a map (was a list)");
    }

    @Test
    void reportsEveryErrorTogether() {
        assertThat(
                        configErrors(
                                factory,
                                origins(
                                        List.of("*", "ftp:/x"),
                                        "allow_credentials",
                                        true,
                                        "max_age",
                                        "1.5s")))
                .hasSize(2) // the bad origin and max_age; credentials are checked against "*"
                .anySatisfy(e -> assertThat(e).startsWith("config.allow_origins[1]: "))
                .anySatisfy(e -> assertThat(e).startsWith("config.max_age: "));
    }

    @Test
    void theConfigRefusesWhatTheBinderRefuses() {
        Origins any = new Origins(true, Set.of(), List.of());
        assertThatThrownBy(
                        () ->
                                new CorsConfig(
                                        any, List.of(), List.of(), List.of(), null, true, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("allow_credentials with allow_origins \"*\"");
        Origins one = new Origins(false, Set.of("https://a.example"), List.of());
        assertThatThrownBy(
                        () ->
                                new CorsConfig(
                                        one, List.of(), List.of(), List.of("*"), null, true, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("allow_credentials with expose_headers \"*\"");
        assertThatThrownBy(
                        () ->
                                new CorsConfig(
                                        one,
                                        List.of(),
                                        List.of(),
                                        List.of(),
                                        Duration.ofMillis(1500),
                                        false,
                                        true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("max_age must be whole seconds: PT1.5S");
    }
}
