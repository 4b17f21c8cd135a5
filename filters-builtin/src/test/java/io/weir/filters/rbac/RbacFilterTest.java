package io.weir.filters.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.LocalReply;
import io.weir.spi.testkit.FilterHarness;
import io.weir.spi.testkit.Request;
import io.weir.spi.testkit.StreamRun;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code weir.rbac} against the test kit: Istio's AuthorizationPolicy semantics case by case. */
class RbacFilterTest {
    private final RbacFilterFactory factory = new RbacFilterFactory();

    private FilterHarness harness(String yaml) {
        return FilterHarness.of(factory, Yaml.parse(yaml));
    }

    private static Request rq(FilterHarness h, String method, String path, String ip) {
        return h.request(method, path).property("source.address", ip);
    }

    private static boolean allowed(Request r) {
        StreamRun run = r.send();
        if (run.forwarded()) {
            return true;
        }
        LocalReply reply = run.localReply();
        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.body()).isEqualTo("RBAC: access denied");
        assertThat(reply.responseFlag()).isNull();
        assertThat(reply.details()).startsWith("rbac_access_denied_matched_policy[");
        return false;
    }

    private static boolean allowed(FilterHarness h, String method, String path, String ip) {
        return allowed(rq(h, method, path, ip));
    }

    static final String DENY_ADMIN_ALLOW_GET =
            """
            policies:
              - name: deny-admin
                action: DENY
                rules:
                  - to: [{ operation: { paths: ["/admin*"] } }]
              - name: readers
                action: ALLOW
                rules:
                  - to: [{ operation: { methods: [GET] } }]
                  - to: [{ operation: { paths: ["/admin/status"] } }]
            """;

    @Test
    void denyBeatsAllowWhateverTheOrder() {
        try (FilterHarness h = harness(DENY_ADMIN_ALLOW_GET)) {
            assertThat(allowed(h, "GET", "/admin/status", "10.0.0.1:1")).isFalse();
            assertThat(h.counter("weir_rbac_denied_total", "deny-admin")).isEqualTo(1);
        }
        String reversed =
                """
                policies:
                  - { name: get, action: ALLOW, rules: [{ to: [{ operation: { methods: [GET] } }] }] }
                  - { name: adm, action: DENY, rules: [{ to: [{ operation: { paths: ["/admin*"] } }] }] }
                """;
        try (FilterHarness h = harness(reversed)) {
            StreamRun r = rq(h, "GET", "/admin", "10.0.0.1:1").send();
            assertThat(r.localReply().details())
                    .isEqualTo("rbac_access_denied_matched_policy[adm]");
        }
    }

    @Test
    void allowPoliciesDenyWhatNoneOfThemMatches() {
        try (FilterHarness h = harness(DENY_ADMIN_ALLOW_GET)) {
            assertThat(allowed(h, "GET", "/items", "10.0.0.1:1")).isTrue();
            assertThat(allowed(h, "POST", "/items", "10.0.0.1:1")).isFalse();
            StreamRun r = rq(h, "DELETE", "/x", "10.0.0.1:1").send();
            assertThat(r.localReply().details())
                    .isEqualTo("rbac_access_denied_matched_policy[none]");
            assertThat(h.counter("weir_rbac_allowed_total", "readers")).isEqualTo(1);
            assertThat(h.counter("weir_rbac_denied_total", "none")).isEqualTo(2);
        }
    }

    @Test
    void noPoliciesAllowEverything() {
        try (FilterHarness h = harness("policies: []")) {
            assertThat(allowed(h, "DELETE", "/anything", "1.2.3.4:5")).isTrue();
            assertThat(h.counter("weir_rbac_allowed_total", "none")).isEqualTo(1);
        }
        try (FilterHarness h = FilterHarness.of(factory, null)) {
            assertThat(allowed(h, "GET", "/", "1.2.3.4:5")).isTrue();
        }
    }

    @Test
    void onlyDenyPoliciesAllowTheRest() {
        String yaml =
                """
                policies:
                  - { name: no-post, action: DENY, rules: [{ to: [{ operation: { methods: [POST] } }] }] }
                """;
        try (FilterHarness h = harness(yaml)) {
            assertThat(allowed(h, "GET", "/", "1.2.3.4:5")).isTrue();
            assertThat(allowed(h, "POST", "/", "1.2.3.4:5")).isFalse();
        }
    }

    @Test
    void anAllowPolicyWithoutRulesAllowsNothingAndAnEmptyRuleMatchesEverything() {
        try (FilterHarness h = harness("policies: [{ name: nothing, action: ALLOW }]")) {
            assertThat(allowed(h, "GET", "/", "1.2.3.4:5")).isFalse();
        }
        try (FilterHarness h = harness("policies: [{ name: all, action: ALLOW, rules: [{}] }]")) {
            assertThat(allowed(h, "GET", "/", "1.2.3.4:5")).isTrue();
        }
    }

    @Test
    void aRuleNeedsAllItsFieldsAndAListNeedsAnyOfItsEntries() {
        String yaml =
                """
                policies:
                  - name: p
                    action: ALLOW
                    rules:
                      - from: [{ source: { ip_blocks: [10.0.0.0/8] } }, { source: { ip_blocks: [192.168.1.1] } }]
                        to: [{ operation: { methods: [GET, HEAD], paths: [/api*] } }]
                """;
        try (FilterHarness h = harness(yaml)) {
            assertThat(allowed(h, "GET", "/api/x", "10.9.9.9:1")).isTrue();
            assertThat(allowed(h, "HEAD", "/api/x", "192.168.1.1:1")).isTrue();
            assertThat(allowed(h, "GET", "/api/x", "192.168.1.2:1")).isFalse();
            assertThat(allowed(h, "POST", "/api/x", "10.9.9.9:1")).isFalse();
            assertThat(allowed(h, "GET", "/web", "10.9.9.9:1")).isFalse();
        }
    }

    @Test
    void notFieldsMatchWhatIsNotListed() {
        String yaml =
                """
                policies:
                  - name: outside-admin
                    action: DENY
                    rules:
                      - from: [{ source: { not_ip_blocks: [10.0.0.0/8] } }]
                        to: [{ operation: { paths: ["/admin*"], not_paths: [/admin/health], not_methods: [OPTIONS] } }]
                """;
        try (FilterHarness h = harness(yaml)) {
            assertThat(allowed(h, "GET", "/admin/users", "8.8.8.8:1")).isFalse();
            assertThat(allowed(h, "GET", "/admin/users", "10.1.1.1:1")).isTrue();
            assertThat(allowed(h, "GET", "/admin/health", "8.8.8.8:1")).isTrue();
            assertThat(allowed(h, "OPTIONS", "/admin/users", "8.8.8.8:1")).isTrue();
            assertThat(allowed(h, "GET", "/public", "8.8.8.8:1")).isTrue();
        }
    }

    @Test
    void ipv4BlocksIncludeTheirEdgesOnly() {
        String yaml =
                "policies: [{ name: p, action: ALLOW, rules: [{ from: [{ source: { ip_blocks:"
                        + " [192.168.4.0/22, 203.0.113.7, 0.0.0.0/32] } }] }] }]";
        try (FilterHarness h = harness(yaml)) {
            assertThat(allowed(h, "GET", "/", "192.168.4.0:1")).isTrue();
            assertThat(allowed(h, "GET", "/", "192.168.7.255:1")).isTrue();
            assertThat(allowed(h, "GET", "/", "192.168.3.255:1")).isFalse();
            assertThat(allowed(h, "GET", "/", "192.168.8.0:1")).isFalse();
            assertThat(allowed(h, "GET", "/", "203.0.113.7:443")).isTrue();
            assertThat(allowed(h, "GET", "/", "203.0.113.8:443")).isFalse();
            // an IPv4 client seen as IPv4-mapped IPv6 by a dual-stack socket
            assertThat(allowed(h, "GET", "/", "[::ffff:192.168.5.1]:1")).isTrue();
        }
    }

    @Test
    void ipv6BlocksIncludeTheirEdgesOnlyInEveryTextForm() {
        String yaml =
                "policies: [{ name: p, action: ALLOW, rules: [{ from: [{ source: { ip_blocks:"
                        + " [\"2001:db8:abcd::/47\", \"::1\"] } }] }] }]";
        try (FilterHarness h = harness(yaml)) {
            // /47 of abcd (host bits set: masked as Envoy does) spans abcc:: .. abcd:ffff:...
            assertThat(allowed(h, "GET", "/", "[2001:db8:abcc::]:1")).isTrue();
            assertThat(allowed(h, "GET", "/", "[2001:db8:abcd:ffff:ffff:ffff:ffff:ffff]:1"))
                    .isTrue();
            assertThat(allowed(h, "GET", "/", "[2001:db8:abcb:ffff:ffff:ffff:ffff:ffff]:1"))
                    .isFalse();
            assertThat(allowed(h, "GET", "/", "[2001:db8:abce::]:1")).isFalse();
            // the kernel's form: the full address, no brackets, then :port
            assertThat(allowed(h, "GET", "/", "0:0:0:0:0:0:0:1:8080")).isTrue();
            assertThat(allowed(h, "GET", "/", "2001:db8:abcd:0:0:0:0:5:8080")).isTrue();
            assertThat(allowed(h, "GET", "/", "0:0:0:0:0:0:0:2:8080")).isFalse();
            assertThat(allowed(h, "GET", "/", "127.0.0.1:8080")).isFalse();
        }
    }

    @Test
    void aRequestWithoutAClientAddressMatchesNoIpBlockButEveryNotIpBlock() {
        String yaml =
                """
                policies:
                  - { name: a, action: DENY, rules: [{ from: [{ source: { ip_blocks: [0.0.0.0/0, "::/0"] } }] }] }
                """;
        try (FilterHarness h = harness(yaml)) {
            assertThat(allowed(h.request("GET", "/"))).isTrue();
            assertThat(allowed(h, "GET", "/", "1.1.1.1:1")).isFalse();
            assertThat(allowed(h, "GET", "/", "[2606:4700::1111]:1")).isFalse();
        }
    }

    @Test
    void pathsMatchExactPrefixSuffixAndAnyButNotTheQuery() {
        String yaml =
                """
                policies:
                  - name: p
                    action: ALLOW
                    rules:
                      - to: [{ operation: { paths: [/exact, "/pre/*", "*.png"] } }]
                """;
        try (FilterHarness h = harness(yaml)) {
            assertThat(allowed(h, "GET", "/exact?x=1", "1.1.1.1:1")).isTrue();
            assertThat(allowed(h, "GET", "/exact/", "1.1.1.1:1")).isFalse();
            assertThat(allowed(h, "GET", "/EXACT", "1.1.1.1:1")).isFalse();
            assertThat(allowed(h, "GET", "/pre/", "1.1.1.1:1")).isTrue();
            assertThat(allowed(h, "GET", "/pre/a/b", "1.1.1.1:1")).isTrue();
            assertThat(allowed(h, "GET", "/pre", "1.1.1.1:1")).isFalse();
            assertThat(allowed(h, "GET", "/img/logo.png", "1.1.1.1:1")).isTrue();
            assertThat(allowed(h, "GET", "/img/logo.png?v=2", "1.1.1.1:1")).isTrue();
            assertThat(allowed(h, "GET", "/img/logo.pngx", "1.1.1.1:1")).isFalse();
            assertThat(allowed(h, "GET", "/x?p=/exact", "1.1.1.1:1")).isFalse();
        }
        try (FilterHarness h =
                harness(
                        "policies: [{ name: p, action: ALLOW, rules: [{ to: [{ operation: { paths: [\"*\"] } }] }] }]")) {
            assertThat(allowed(h, "GET", "/any/thing", "1.1.1.1:1")).isTrue();
        }
    }

    @Test
    void hostsIgnoreCaseAndPortsAreTheListenersPort() {
        String yaml =
                """
                policies:
                  - name: p
                    action: ALLOW
                    rules:
                      - to: [{ operation: { hosts: ["*.example.com"], ports: ["8443"] } }]
                """;
        try (FilterHarness h = harness(yaml)) {
            assertThat(
                            allowed(
                                    rq(h, "GET", "/", "1.1.1.1:1")
                                            .header(":authority", "API.Example.com")
                                            .property("destination.port", "8443")))
                    .isTrue();
            assertThat(
                            allowed(
                                    rq(h, "GET", "/", "1.1.1.1:1")
                                            .header(":authority", "api.example.com")
                                            .property("destination.port", "8080")))
                    .isFalse();
            assertThat(
                            allowed(
                                    rq(h, "GET", "/", "1.1.1.1:1")
                                            .header(":authority", "example.org")
                                            .property("destination.port", "8443")))
                    .isFalse();
        }
    }

    @Test
    void headerConditionsMatchExactPrefixSuffixOnAnyValueAndNotValues() {
        String yaml =
                """
                policies:
                  - name: p
                    action: ALLOW
                    rules:
                      - when:
                          - { key: "request.headers[X-Env]", values: [prod, "stage-*"] }
                          - { key: "request.headers[user-agent]", not_values: ["*bot"] }
                """;
        try (FilterHarness h = harness(yaml)) {
            assertThat(allowed(rq(h, "GET", "/", "1.1.1.1:1").header("x-env", "prod"))).isTrue();
            assertThat(allowed(rq(h, "GET", "/", "1.1.1.1:1").header("x-env", "stage-2"))).isTrue();
            assertThat(allowed(rq(h, "GET", "/", "1.1.1.1:1").header("x-env", "production")))
                    .isFalse();
            assertThat(allowed(rq(h, "GET", "/", "1.1.1.1:1"))).isFalse();
            assertThat(
                            allowed(
                                    rq(h, "GET", "/", "1.1.1.1:1")
                                            .header("x-env", "dev")
                                            .header("x-env", "prod")))
                    .isTrue();
            assertThat(
                            allowed(
                                    rq(h, "GET", "/", "1.1.1.1:1")
                                            .header("x-env", "prod")
                                            .header("user-agent", "googlebot")))
                    .isFalse();
        }
    }

    static final String CLAIMS =
            """
            policies:
              - name: admins
                action: ALLOW
                rules:
                  - from: [{ source: { request_principals: ["https://issuer.example/*"] } }]
                    when:
                      - { key: "request.auth.claims[groups]", values: [admins] }
                      - { key: "request.auth.claims[realm][role]", values: [owner] }
            """;

    static Map<String, Object> payload(Object groups) {
        return Map.of(
                "iss",
                "https://issuer.example",
                "sub",
                "alice",
                "groups",
                groups,
                "realm",
                Map.of("role", "owner"));
    }

    @Test
    void jwtClaimsComeFromMetadataAndAListClaimMatchesByAnyElement() {
        try (FilterHarness h = harness(CLAIMS)) {
            assertThat(
                            allowed(
                                    rq(h, "GET", "/", "1.1.1.1:1")
                                            .metadata(
                                                    "jwt.payload",
                                                    payload(List.of("users", "admins")))))
                    .isTrue();
            assertThat(
                            allowed(
                                    rq(h, "GET", "/", "1.1.1.1:1")
                                            .metadata("jwt.payload", payload("admins"))))
                    .isTrue();
            assertThat(
                            allowed(
                                    rq(h, "GET", "/", "1.1.1.1:1")
                                            .metadata("jwt.payload", payload(List.of("users")))))
                    .isFalse();
            // no verified token: no claims, no principal
            assertThat(allowed(rq(h, "GET", "/", "1.1.1.1:1"))).isFalse();
            // a client header cannot stand in for claims
            assertThat(allowed(rq(h, "GET", "/", "1.1.1.1:1").header("groups", "admins")))
                    .isFalse();
        }
    }

    @Test
    void nestedClaimsAndThePrincipalAreChecked() {
        try (FilterHarness h = harness(CLAIMS)) {
            Map<String, Object> otherRole =
                    Map.of(
                            "iss", "https://issuer.example",
                            "sub", "alice",
                            "groups", "admins",
                            "realm", Map.of("role", "viewer"));
            assertThat(allowed(rq(h, "GET", "/", "1.1.1.1:1").metadata("jwt.payload", otherRole)))
                    .isFalse();
            Map<String, Object> otherIssuer =
                    Map.of(
                            "iss", "https://evil.example",
                            "sub", "alice",
                            "groups", "admins",
                            "realm", Map.of("role", "owner"));
            assertThat(allowed(rq(h, "GET", "/", "1.1.1.1:1").metadata("jwt.payload", otherIssuer)))
                    .isFalse();
        }
    }

    @Test
    void principalAndNumericClaimConditions() {
        String yaml =
                """
                policies:
                  - name: p
                    action: ALLOW
                    rules:
                      - when:
                          - { key: request.auth.principal, values: [https://issuer.example/alice] }
                          - { key: "request.auth.claims[level]", values: ["3"] }
                          - { key: request.auth.audiences, values: [shop] }
                """;
        try (FilterHarness h = harness(yaml)) {
            Map<String, Object> p =
                    Map.of(
                            "iss",
                            "https://issuer.example",
                            "sub",
                            "alice",
                            "level",
                            3L,
                            "aud",
                            List.of("x", "shop"));
            assertThat(allowed(rq(h, "GET", "/", "1.1.1.1:1").metadata("jwt.payload", p))).isTrue();
            Map<String, Object> bob =
                    Map.of(
                            "iss",
                            "https://issuer.example",
                            "sub",
                            "bob",
                            "level",
                            3L,
                            "aud",
                            "shop");
            assertThat(allowed(rq(h, "GET", "/", "1.1.1.1:1").metadata("jwt.payload", bob)))
                    .isFalse();
        }
    }

    @Test
    void shadowCountsWhatWouldBeDeniedButPassesEverything() {
        try (FilterHarness h = harness("shadow: true\n" + DENY_ADMIN_ALLOW_GET)) {
            StreamRun denied = rq(h, "GET", "/admin/x", "1.1.1.1:1").send();
            assertThat(denied.forwarded()).isTrue();
            assertThat(denied.metadata("rbac.shadow_engine_result")).isEqualTo("denied");
            assertThat(denied.metadata("rbac.shadow_effective_policy_id")).isEqualTo("deny-admin");
            assertThat(allowed(h, "POST", "/x", "1.1.1.1:1")).isTrue();
            StreamRun ok = rq(h, "GET", "/x", "1.1.1.1:1").send();
            assertThat(ok.metadata("rbac.shadow_engine_result")).isEqualTo("allowed");
            assertThat(h.counter("weir_rbac_shadow_denied_total", "deny-admin")).isEqualTo(1);
            assertThat(h.counter("weir_rbac_shadow_denied_total", "none")).isEqualTo(1);
            assertThat(h.counter("weir_rbac_shadow_allowed_total", "readers")).isEqualTo(1);
            assertThat(h.counter("weir_rbac_denied_total", "deny-admin")).isZero();
            assertThat(h.counter("weir_rbac_allowed_total", "readers")).isZero();
        }
    }

    @Test
    void aRouteOverrideReplacesThePolicies() {
        try (FilterHarness h = harness(DENY_ADMIN_ALLOW_GET)) {
            assertThat(
                            allowed(
                                    rq(h, "POST", "/admin", "1.1.1.1:1")
                                            .routeConfig(Yaml.parse("policies: []"))))
                    .isTrue();
            assertThat(allowed(h, "POST", "/admin", "1.1.1.1:1")).isFalse();
        }
    }
}
