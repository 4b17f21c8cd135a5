package io.weir.kernel.config;

import static io.weir.kernel.config.ConfigFixtures.CONTRACT;
import static io.weir.kernel.config.ConfigFixtures.ROUTE_PATH;
import static io.weir.kernel.config.ConfigFixtures.errors;
import static io.weir.kernel.config.ConfigFixtures.onlyRoute;
import static io.weir.kernel.config.ConfigFixtures.parse;
import static io.weir.kernel.config.ConfigFixtures.withRoute;
import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.config.Route.DirectResponse;
import io.weir.kernel.config.Route.Forward;
import io.weir.kernel.config.Route.HeaderMatcher;
import io.weir.kernel.config.Route.Match;
import io.weir.kernel.config.Route.Redirect;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Virtual host routes: matches, actions and header mutations. */
class RouteBinderTest {
    // ---- route matches

    @Test
    void aMatchNeedsExactlyOneOfPrefixPathSafeRegex() {
        assertThat(errors(withRoute("{ match: { methods: [GET] }, route: { cluster: backend } }")))
                .containsExactly(
                        ROUTE_PATH
                                + ".match: expected exactly one of prefix, path, safe_regex (found"
                                + " none)");
        assertThat(
                        errors(
                                withRoute(
                                        "{ match: { prefix: /a, path: /a, safe_regex: '/a' }, route: {"
                                                + " cluster: backend } }")))
                .containsExactly(
                        ROUTE_PATH
                                + ".match: expected exactly one of prefix, path, safe_regex (found"
                                + " prefix, path, safe_regex)");
    }

    @Test
    void prefixAndPathMustStartWithASlash() {
        assertThat(errors(withRoute("{ match: { prefix: api }, route: { cluster: backend } }")))
                .containsExactly(ROUTE_PATH + ".match.prefix: must start with \"/\" (was \"api\")");
        assertThat(errors(withRoute("{ match: { path: '' }, route: { cluster: backend } }")))
                .containsExactly(ROUTE_PATH + ".match.path: must start with \"/\" (was \"\")");
    }

    @Test
    void safeRegexIsCompiledWithRe2AndErrorsAreConfigErrors() throws Exception {
        assertThat(errors(withRoute("{ match: { safe_regex: '(' }, route: { cluster: backend } }")))
                .containsExactly(
                        ROUTE_PATH + ".match.safe_regex: invalid regex \"(\": missing closing )");
        assertThat(
                        errors(
                                withRoute(
                                        "{ match: { safe_regex: 'a**' }, route: { cluster: backend } }")))
                .containsExactly(
                        ROUTE_PATH
                                + ".match.safe_regex: invalid regex \"a**\": invalid nested"
                                + " repetition operator \"**\"");

        Match m =
                onlyRoute(
                                parse(
                                        withRoute(
                                                "{ match: { safe_regex: '/api/v[0-9]+' }, route: { cluster: backend } }")))
                        .match();
        assertThat(m.safeRegex().matches("/api/v2")).isTrue();
        assertThat(m.safeRegex().matches("/API/v2")).isFalse();

        Match insensitive =
                onlyRoute(
                                parse(
                                        withRoute(
                                                "{ match: { safe_regex: '/api/v[0-9]+', case_sensitive: false }, route: { cluster:"
                                                        + " backend } }")))
                        .match();
        assertThat(insensitive.caseSensitive()).isFalse();
        assertThat(insensitive.safeRegex().matches("/API/v2")).isTrue();
    }

    @Test
    void bindsHeaderAndQueryMatchersAndMethods() throws Exception {
        Match m =
                onlyRoute(
                                parse(
                                        withRoute(
                                                "{ match: { prefix: /, methods: [GET, POST], headers: [{ name:"
                                                        + " X-Canary, exact: 'yes' }, { name: x-debug, invert: true },"
                                                        + " { name: user-agent, regex: '.*bot.*' }],"
                                                        + " query_parameters: [{ name: v, prefix: '2' }] }, route: {"
                                                        + " cluster: backend } }")))
                        .match();

        assertThat(m.methods()).containsExactly("GET", "POST");
        assertThat(m.headers()).hasSize(3);
        assertThat(m.headers().get(0))
                .isEqualTo(new HeaderMatcher("x-canary", "yes", null, null, null, false));
        assertThat(m.headers().get(1))
                .isEqualTo(new HeaderMatcher("x-debug", null, null, null, null, true));
        assertThat(m.headers().get(2).regex().matches("googlebot/2.1")).isTrue();
        assertThat(m.queryParameters().get(0).name()).isEqualTo("v");
        assertThat(m.queryParameters().get(0).prefix()).isEqualTo("2");
    }

    @Test
    void rejectsInvalidMatchers() {
        assertThat(
                        errors(
                                withRoute(
                                        "{ match: { prefix: /, headers: [{ name: 'x y', exact: \"a\\nb\""
                                                + " }, { name: x-a, exact: a, prefix: a }, { name: x-b,"
                                                + " regex: '[' }], query_parameters: [{ name: q, exact: a,"
                                                + " present: true }], methods: [get, 'GE T'] }, route: {"
                                                + " cluster: backend } }")))
                .containsExactly(
                        ROUTE_PATH
                                + ".match.headers[0].name: invalid header name \"x y\""
                                + " (expected an HTTP token)",
                        ROUTE_PATH
                                + ".match.headers[0].exact: invalid header value (must not"
                                + " contain CR, LF or NUL)",
                        ROUTE_PATH
                                + ".match.headers[1]: expected at most one of exact, prefix,"
                                + " regex, present (found exact, prefix)",
                        ROUTE_PATH
                                + ".match.headers[2].regex: invalid regex \"[\": missing"
                                + " closing ]",
                        ROUTE_PATH
                                + ".match.query_parameters[0]: expected at most one of exact,"
                                + " prefix, regex, present (found exact, present)",
                        ROUTE_PATH
                                + ".match.methods[0]: must be an upper-case HTTP method (was"
                                + " \"get\")",
                        ROUTE_PATH
                                + ".match.methods[1]: must be an upper-case HTTP method (was"
                                + " \"GE T\")");
    }

    // ---- route actions

    @Test
    void aRouteNeedsExactlyOneAction() {
        assertThat(errors(withRoute("{ match: { prefix: / } }")))
                .containsExactly(
                        ROUTE_PATH
                                + ": expected exactly one of route, redirect, direct_response"
                                + " (found none)");
        assertThat(
                        errors(
                                withRoute(
                                        "{ match: { prefix: / }, route: { cluster: backend },"
                                                + " direct_response: { status: 200 } }")))
                .containsExactly(
                        ROUTE_PATH
                                + ": expected exactly one of route, redirect, direct_response"
                                + " (found route, direct_response)");
    }

    @Test
    void directResponseStatusMustBeAnHttpStatus() throws Exception {
        assertThat(errors(withRoute("{ match: { prefix: / }, direct_response: { status: 600 } }")))
                .containsExactly(
                        ROUTE_PATH + ".direct_response.status: must be 100..599 (was 600)");
        assertThat(errors(withRoute("{ match: { prefix: / }, direct_response: { status: 99 } }")))
                .containsExactly(ROUTE_PATH + ".direct_response.status: must be 100..599 (was 99)");
        assertThat(errors(withRoute("{ match: { prefix: / }, direct_response: { body: hi } }")))
                .containsExactly(ROUTE_PATH + ".direct_response.status: required");

        WeirConfig c =
                parse(withRoute("{ match: { prefix: / }, direct_response: { status: 204 } }"));
        assertThat(onlyRoute(c).action()).isEqualTo(new DirectResponse(204, ""));
    }

    @Test
    void bindsRedirectsWithDefaultCode301() throws Exception {
        WeirConfig c =
                parse(withRoute("{ match: { prefix: / }, redirect: { scheme_redirect: https } }"));
        assertThat(onlyRoute(c).action())
                .isEqualTo(new Redirect("https", null, 0, null, null, 301, false));

        c =
                parse(
                        withRoute(
                                "{ match: { prefix: /old }, redirect: { host_redirect: new.example, port_redirect:"
                                        + " 8443, prefix_rewrite: /new, response_code: 308, strip_query: true } }"));
        assertThat(onlyRoute(c).action())
                .isEqualTo(new Redirect(null, "new.example", 8443, null, "/new", 308, true));
    }

    @Test
    void rejectsInvalidRedirects() {
        assertThat(
                        errors(
                                withRoute(
                                        "{ match: { prefix: / }, redirect: { path_redirect: /a, response_code:"
                                                + " 200 } }")))
                .containsExactly(
                        ROUTE_PATH
                                + ".redirect.response_code: must be one of 301, 302, 303, 307, 308"
                                + " (was 200)");
        assertThat(
                        errors(
                                withRoute(
                                        "{ match: { prefix: / }, redirect: { scheme_redirect: ftp,"
                                                + " host_redirect: 'a b', port_redirect: 0, path_redirect:"
                                                + " /a, prefix_rewrite: /b } }")))
                .containsExactly(
                        ROUTE_PATH
                                + ".redirect: expected at most one of path_redirect, prefix_rewrite"
                                + " (found path_redirect, prefix_rewrite)",
                        ROUTE_PATH
                                + ".redirect.scheme_redirect: must be one of http, https (was"
                                + " \"ftp\")",
                        ROUTE_PATH
                                + ".redirect.host_redirect: invalid host \"a b\" (expected"
                                + " HOST)",
                        ROUTE_PATH + ".redirect.port_redirect: must be 1..65535 (was 0)");
        assertThat(errors(withRoute("{ match: { prefix: / }, redirect: { strip_query: true } }")))
                .containsExactly(
                        ROUTE_PATH
                                + ".redirect: expected at least one of scheme_redirect,"
                                + " host_redirect, port_redirect, path_redirect, prefix_rewrite");
    }

    @Test
    void bindsForwardRewrites() throws Exception {
        WeirConfig c =
                parse(
                        withRoute(
                                "{ match: { prefix: /api/ }, route: { cluster: backend, prefix_rewrite: /,"
                                        + " host_rewrite: 'internal.example:8080', timeout: 250ms } }"));

        assertThat(onlyRoute(c).action())
                .isEqualTo(
                        new Forward(
                                "backend",
                                List.of(),
                                Duration.ofMillis(250),
                                "/",
                                "internal.example:8080"));
        assertThat(
                        errors(
                                withRoute(
                                        "{ match: { prefix: / }, route: { cluster: backend, prefix_rewrite: v2,"
                                                + " host_rewrite: 'a/b' } }")))
                .containsExactly(
                        ROUTE_PATH + ".route.prefix_rewrite: must start with \"/\" (was \"v2\")",
                        ROUTE_PATH
                                + ".route.host_rewrite: invalid host \"a/b\" (expected HOST or"
                                + " HOST:PORT)");
    }

    // ---- header mutations

    @Test
    void bindsHeaderMutationsLowerCasingNames() throws Exception {
        WeirConfig c =
                parse(
                        withRoute(
                                "{ match: { prefix: / }, route: { cluster: backend }, request_headers: {"
                                        + " add: { X-Env: prod }, set: { Host: internal, x-empty: '' },"
                                        + " remove: [X-Debug] }, response_headers: { set: { Server: weir"
                                        + " } } }"));

        Route r = onlyRoute(c);
        assertThat(r.requestHeaders())
                .isEqualTo(
                        new HeaderMutations(
                                Map.of("x-env", "prod"),
                                Map.of("host", "internal", "x-empty", ""),
                                List.of("x-debug")));
        assertThat(r.responseHeaders().set()).containsExactly(Map.entry("server", "weir"));
    }

    @Test
    void rejectsInvalidHeaderMutations() {
        assertThat(
                        errors(
                                withRoute(
                                        "{ match: { prefix: / }, route: { cluster: backend },"
                                                + " request_headers: { add: { 'bad name': x, x-a: \"1\\r\\n2\","
                                                + " x-n: 3, x-null: }, set: { X-Dup: a, x-dup: b } } }")))
                .containsExactly(
                        ROUTE_PATH
                                + ".request_headers.add[\"bad name\"]: invalid header name"
                                + " \"bad name\" (expected an HTTP token)",
                        ROUTE_PATH
                                + ".request_headers.add.x-a: invalid header value (must not"
                                + " contain CR, LF or NUL)",
                        ROUTE_PATH
                                + ".request_headers.add.x-n: expected a string (was an"
                                + " integer)",
                        ROUTE_PATH + ".request_headers.add.x-null: expected a string (was null)",
                        ROUTE_PATH + ".request_headers.set.x-dup: duplicate header \"x-dup\"");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "content-length",
                "Transfer-Encoding",
                "connection",
                "upgrade",
                "te",
                "keep-alive",
                "proxy-connection"
            })
    void framingHeadersCannotBeModified(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        String vh = "listeners[0].http.virtual_hosts[0]";

        assertThat(
                        errors(
                                CONTRACT.replace(
                                        "      routes:",
                                        "      request_headers: { set: { "
                                                + name
                                                + ": x }, remove: ["
                                                + name
                                                + "] }\n          response_headers: { add: { "
                                                + name
                                                + ": x } }\n          routes:")))
                .containsExactly(
                        vh
                                + ".request_headers.set."
                                + name
                                + ": cannot modify framing header \""
                                + lower
                                + "\"",
                        vh
                                + ".request_headers.remove[0]: cannot modify framing header \""
                                + lower
                                + "\"",
                        vh
                                + ".response_headers.add."
                                + name
                                + ": cannot modify framing header \""
                                + lower
                                + "\"");
    }
}
