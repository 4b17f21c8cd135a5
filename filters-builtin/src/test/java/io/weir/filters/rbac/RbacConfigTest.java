package io.weir.filters.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.testkit.FilterHarness;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code weir.rbac} config errors: each names its YAML path and what was expected. */
class RbacConfigTest {
    private final RbacFilterFactory factory = new RbacFilterFactory();

    private List<String> errors(String yaml) {
        return FilterHarness.configErrors(factory, Yaml.parse(yaml));
    }

    @Test
    void aValidConfigBindsInOrder() {
        RbacConfig c =
                (RbacConfig)
                        FilterHarness.parseConfig(
                                factory, Yaml.parse(RbacFilterTest.DENY_ADMIN_ALLOW_GET));
        assertThat(c.shadow()).isFalse();
        assertThat(c.policies()).extracting(Policy::name).containsExactly("deny-admin", "readers");
        assertThat(c.policies()).extracting(Policy::deny).containsExactly(true, false);
        assertThat(c.policies().get(1).rules()).hasSize(2);
    }

    @Test
    void actionMustBeAllowOrDeny() {
        assertThat(
                        errors(
                                "policies: [{ name: a, action: allow }, { name: b }, { name: c, action: 3 }]"))
                .containsExactly(
                        "config.policies[0].action: must be ALLOW or DENY (was \"allow\")",
                        "config.policies[1].action: is required",
                        "config.policies[2].action: must be ALLOW or DENY (was 3)");
    }

    @Test
    void namesAreRequiredUniqueAndNotNone() {
        assertThat(
                        errors(
                                "policies: [{ action: DENY }, { name: x, action: DENY }, { name: x,"
                                        + " action: ALLOW }, { name: none, action: DENY }]"))
                .containsExactly(
                        "config.policies[0].name: is required",
                        "config.policies[2].name: duplicate policy name \"x\" (also config.policies[1])",
                        "config.policies[3].name: \"none\" is reserved (it names decisions no policy"
                                + " made)");
    }

    @Test
    void unknownKeysAreRejectedAtEveryLevel() {
        String yaml =
                """
                mode: strict
                policies:
                  - name: p
                    action: ALLOW
                    selector: {}
                    rules:
                      - from: [{ source: { principals: [a] }, extra: 1 }]
                        to: [{ operation: { path: [/x] } }]
                        when: [{ key: "request.headers[x]", values: [a], value: b }]
                        unless: []
                """;
        assertThat(errors(yaml))
                .containsExactly(
                        "config.mode: unknown key (expected one of: shadow, policies)",
                        "config.policies[0].selector: unknown key (expected one of: name, action, rules)",
                        "config.policies[0].rules[0].unless: unknown key (expected one of: from, to, when)",
                        "config.policies[0].rules[0].from[0].extra: unknown key (expected one of: source)",
                        "config.policies[0].rules[0].from[0].source.principals: unknown key (expected one"
                                + " of: ip_blocks, not_ip_blocks, request_principals, not_request_principals)",
                        "config.policies[0].rules[0].to[0].operation.path: unknown key (expected one of:"
                                + " hosts, not_hosts, ports, not_ports, methods, not_methods, paths,"
                                + " not_paths)",
                        "config.policies[0].rules[0].when[0].value: unknown key (expected one of: key,"
                                + " values, not_values)");
    }

    @Test
    void badCidrsAreRejected() {
        String yaml =
                """
                policies:
                  - name: p
                    action: DENY
                    rules:
                      - from:
                          - source:
                              ip_blocks: [10.0.0.0/33, 10.0.0/8, "2001:db8::/129", localhost, 010.1.1.1, 10.0.0.0/08, "fe80::1%eth0", 10.0.0.0/8]
                              not_ip_blocks: ["::/0", "1.2.3.4/"]
                """;
        String expected =
                " expected an IPv4 or IPv6 address or CIDR such as 10.0.0.0/8 or 2001:db8::/32";
        String path = "config.policies[0].rules[0].from[0].source.";
        assertThat(errors(yaml))
                .containsExactly(
                        path + "ip_blocks[0]:" + expected + " (was \"10.0.0.0/33\")",
                        path + "ip_blocks[1]:" + expected + " (was \"10.0.0/8\")",
                        path + "ip_blocks[2]:" + expected + " (was \"2001:db8::/129\")",
                        path + "ip_blocks[3]:" + expected + " (was \"localhost\")",
                        path + "ip_blocks[4]:" + expected + " (was \"010.1.1.1\")",
                        path + "ip_blocks[5]:" + expected + " (was \"10.0.0.0/08\")",
                        path + "ip_blocks[6]:" + expected + " (was \"fe80::1%eth0\")",
                        path + "not_ip_blocks[1]:" + expected + " (was \"1.2.3.4/\")");
    }

    @Test
    void badPatternsMethodsPortsAndWhenKeysAreRejected() {
        String yaml =
                """
                policies:
                  - name: p
                    action: ALLOW
                    rules:
                      - to: [{ operation: { paths: ["/a*b", "*x*"], methods: ["G ET"], ports: ["0", "http"] } }]
                        when:
                          - { key: request.ip, values: [a] }
                          - { key: "request.headers[x y]", values: [a] }
                          - { key: "request.headers[x]" }
                          - { key: source.ip, values: [nope] }
                """;
        String p = "config.policies[0].rules[0].";
        assertThat(errors(yaml))
                .containsExactly(
                        p + "to[0].operation.ports[0]: expected a port 1..65535 (was \"0\")",
                        p + "to[0].operation.ports[1]: expected a port 1..65535 (was \"http\")",
                        p
                                + "to[0].operation.methods[0]: expected a method such as GET (was \"G ET\")",
                        p
                                + "to[0].operation.paths[0]: expected a value, prefix*, *suffix or * (was \"/a*b\")",
                        p
                                + "to[0].operation.paths[1]: expected a value, prefix*, *suffix or * (was \"*x*\")",
                        p
                                + "when[0].key: expected request.headers[NAME], request.auth.claims[NAME],"
                                + " request.auth.principal, request.auth.audiences,"
                                + " request.auth.presenter, source.ip, destination.ip or"
                                + " destination.port (was \"request.ip\")",
                        p
                                + "when[1].key: expected a header name in request.headers[NAME] (was"
                                + " \"request.headers[x y]\")",
                        p + "when[2]: needs values or not_values",
                        p
                                + "when[3].values[0]: expected an IPv4 or IPv6 address or CIDR such as"
                                + " 10.0.0.0/8 or 2001:db8::/32 (was \"nope\")");
    }

    @Test
    void emptyListsAndWrongTypesAreRejected() {
        String yaml =
                """
                shadow: yes please
                policies:
                  - name: p
                    action: ALLOW
                    rules:
                      - from: []
                        to: [{ operation: { paths: [] } }, { operation: null }]
                      - when: { key: x }
                """;
        String p = "config.policies[0].rules[";
        assertThat(errors(yaml))
                .containsExactly(
                        "config.shadow: expected true or false (was \"yes please\")",
                        p + "0].from: must not be empty (leave the key out instead)",
                        p
                                + "0].to[0].operation.paths: must not be empty (leave the key out instead)",
                        p + "0].to[1].operation: is required",
                        p + "1].when: expected a list (was a map)");
        assertThat(errors("policies: {}"))
                .containsExactly("config.policies: expected a list (was a map)");
    }

    @Test
    void theFilterIsOfferedByThePluginThroughServiceLoader() {
        var p =
                java.util.ServiceLoader.load(io.weir.spi.WeirPlugin.class).stream()
                        .map(java.util.ServiceLoader.Provider::get)
                        .filter(RbacPlugin.class::isInstance)
                        .findFirst()
                        .orElseThrow();
        assertThat(p.httpFilters().get(0).name()).isEqualTo("weir.rbac");
    }
}
