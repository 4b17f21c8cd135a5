package io.weir.kernel.config;

import static io.weir.kernel.config.ConfigFixtures.CONTRACT;
import static io.weir.kernel.config.ConfigFixtures.ROUTE_PATH;
import static io.weir.kernel.config.ConfigFixtures.errors;
import static io.weir.kernel.config.ConfigFixtures.onlyRoute;
import static io.weir.kernel.config.ConfigFixtures.parse;
import static io.weir.kernel.config.ConfigFixtures.withRoute;
import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.config.Route.Forward;
import io.weir.kernel.config.Route.WeightedCluster;
import org.junit.jupiter.api.Test;

/**
 * The second validation layer: references between parts of the file, and names that must be unique.
 */
class ConfigReferencesTest {
    // ---- cross references

    @Test
    void aRouteToAnUnknownClusterIsAnError() {
        assertThat(errors(CONTRACT.replace("cluster: backend", "cluster: nowhere")))
                .containsExactly(
                        "listeners[0].http.virtual_hosts[0].routes[0].route.cluster: unknown"
                                + " cluster \"nowhere\"");
    }

    @Test
    void weightedClustersMustNameKnownClustersWithPositiveWeights() throws Exception {
        assertThat(
                        errors(
                                withRoute(
                                        "{ match: { prefix: / }, route: { weighted_clusters: [{ name:"
                                                + " backend, weight: 0 }, { name: b, weight: 1 }, {"
                                                + " weight: 2 }] } }")))
                .containsExactly(
                        ROUTE_PATH + ".route.weighted_clusters[0].weight: must be > 0 (was 0)",
                        ROUTE_PATH + ".route.weighted_clusters[1].name: unknown cluster \"b\"",
                        ROUTE_PATH + ".route.weighted_clusters[2].name: required");

        WeirConfig c =
                parse(
                        withRoute(
                                "{ match: { prefix: / }, route: { weighted_clusters: [{ name:"
                                        + " backend, weight: 3 }] } }"));
        Forward f = (Forward) onlyRoute(c).action();
        assertThat(f.cluster()).isNull();
        assertThat(f.weightedClusters()).containsExactly(new WeightedCluster("backend", 3));
    }

    @Test
    void aRouteNeedsExactlyOneClusterTarget() {
        assertThat(errors(withRoute("{ match: { prefix: / }, route: { timeout: 1s } }")))
                .containsExactly(
                        ROUTE_PATH
                                + ".route: expected exactly one of cluster, weighted_clusters"
                                + " (found none)");
        assertThat(
                        errors(
                                withRoute(
                                        "{ match: { prefix: / }, route: { cluster: backend,"
                                                + " weighted_clusters: [{ name: backend, weight: 1 }] } }")))
                .containsExactly(
                        ROUTE_PATH
                                + ".route: expected exactly one of cluster, weighted_clusters"
                                + " (found cluster, weighted_clusters)");
    }

    @Test
    void clustersMayBeEmptyOnlyIfNoRouteUsesOne() throws Exception {
        String direct =
                """
                listeners:
                  - name: ingress
                    address: 127.0.0.1:10000
                    http:
                      virtual_hosts:
                        - name: default
                          domains: ["*"]
                          routes:
                            - match: { prefix: / }
                              direct_response: { status: 200, body: ok }
                """;
        assertThat(parse(direct).clusters()).isEmpty();

        assertThat(
                        errors(
                                direct.replace(
                                        "direct_response: { status: 200, body: ok }",
                                        "route: { cluster: backend }")))
                .containsExactly(ROUTE_PATH + ".route.cluster: unknown cluster \"backend\"");
    }

    @Test
    void duplicateNamesAreErrors() {
        String twoListeners =
                CONTRACT.replace(
                        "clusters:",
                        """
                          - name: ingress
                            address: 127.0.0.1:10001
                            http:
                              virtual_hosts:
                                - name: a
                                  domains: [a.example]
                                  routes: [{ match: { prefix: / }, route: { cluster: backend } }]
                                - name: a
                                  domains: [b.example]
                                  routes: [{ match: { prefix: / }, route: { cluster: backend } }]
                        clusters:
                          - name: backend
                            endpoints: [{ address: "127.0.0.1:8081" }]
                        """);

        assertThat(errors(twoListeners))
                .containsExactly(
                        "listeners[1].name: duplicate listener name \"ingress\" (also"
                                + " listeners[0].name)",
                        "listeners[1].http.virtual_hosts[1].name: duplicate virtual host name"
                                + " \"a\" (also listeners[1].http.virtual_hosts[0].name)",
                        "clusters[1].name: duplicate cluster name \"backend\" (also"
                                + " clusters[0].name)");
    }

    @Test
    void virtualHostNamesNeedOnlyBeUniqueWithinAListener() throws Exception {
        String second =
                CONTRACT.replace(
                        "clusters:",
                        """
                          - name: other
                            address: 127.0.0.1:10001
                            http:
                              virtual_hosts:
                                - name: default
                                  domains: ["*"]
                                  routes: [{ match: { prefix: / }, route: { cluster: backend } }]
                        clusters:
                        """);

        assertThat(parse(second).listeners()).hasSize(2);
    }

    @Test
    void duplicateListenerAddressesAreErrorsUnlessThePortIsZero() throws Exception {
        String listener2 =
                """
                  - name: second
                    address: %s
                    http:
                      virtual_hosts:
                        - name: default
                          domains: ["*"]
                          routes: [{ match: { prefix: / }, route: { cluster: backend } }]
                clusters:
                """;
        assertThat(errors(CONTRACT.replace("clusters:", listener2.formatted("127.0.0.1:10000"))))
                .containsExactly(
                        "listeners[1].address: duplicate address \"127.0.0.1:10000\" (also"
                                + " listeners[0].address)");
        assertThat(errors(CONTRACT.replace("clusters:", listener2.formatted("127.0.0.1:9901"))))
                .containsExactly(
                        "listeners[1].address: duplicate address \"127.0.0.1:9901\" (also"
                                + " admin.address)");

        String zero =
                CONTRACT.replace("127.0.0.1:10000", "127.0.0.1:0")
                        .replace("clusters:", listener2.formatted("127.0.0.1:0"));
        assertThat(parse(zero).listeners()).hasSize(2);
        assertThat(
                        parse(CONTRACT.replace("clusters:", listener2.formatted("127.0.0.2:10000")))
                                .listeners())
                .hasSize(2);
    }

    @Test
    void anUnknownFilterIsAnError() {
        assertThat(errors(CONTRACT.replace("filters: []", "filters: [{ name: acme.x }]")))
                .containsExactly(
                        "listeners[0].http.filters[0].name: unknown filter \"acme.x\" (known: weir.cors, weir.local_ratelimit)");
        assertThat(errors(CONTRACT.replace("filters: []", "filters: [{ config: {} }]")))
                .containsExactly("listeners[0].http.filters[0].name: required");
    }

    @Test
    void aDomainMayAppearOnlyOnceInAListener() {
        String twoHosts =
                CONTRACT.replace(
                        "          routes:",
                        "          routes: [{ match: { prefix: / }, route: { cluster: backend } }]\n"
                                + "        - name: other\n"
                                + "          domains: [a.example, \"*\"]\n"
                                + "          routes:");

        assertThat(errors(twoHosts))
                .containsExactly(
                        "listeners[0].http.virtual_hosts[1].domains[1]: duplicate domain \"*\""
                                + " (also listeners[0].http.virtual_hosts[0].domains[0])");
        assertThat(errors(CONTRACT.replace("[\"*\"]", "[A.example, a.EXAMPLE]")))
                .containsExactly(
                        "listeners[0].http.virtual_hosts[0].domains[1]: duplicate domain"
                                + " \"a.example\" (also"
                                + " listeners[0].http.virtual_hosts[0].domains[0])");
    }

    @Test
    void validatesAndLowerCasesDomains() throws Exception {
        WeirConfig c =
                parse(
                        CONTRACT.replace(
                                "[\"*\"]",
                                "[Example.com, \"example.com:8080\", \"*.Example.org\", \"www.*\"]"));
        assertThat(c.listeners().get(0).http().virtualHosts().get(0).domains())
                .containsExactly("example.com", "example.com:8080", "*.example.org", "www.*");

        assertThat(errors(CONTRACT.replace("[\"*\"]", "[\"a*b.example\", \"a b\", \"*.\"]")))
                .containsExactly(
                        "listeners[0].http.virtual_hosts[0].domains[0]: invalid domain"
                                + " \"a*b.example\" (expected HOST, HOST:PORT, *.SUFFIX, PREFIX.*"
                                + " or *)",
                        "listeners[0].http.virtual_hosts[0].domains[1]: invalid domain \"a b\""
                                + " (expected HOST, HOST:PORT, *.SUFFIX, PREFIX.* or *)",
                        "listeners[0].http.virtual_hosts[0].domains[2]: invalid domain \"*.\""
                                + " (expected HOST, HOST:PORT, *.SUFFIX, PREFIX.* or *)");
    }

    @Test
    void namesAreRestrictedToASafeAlphabet() {
        assertThat(
                        errors(
                                CONTRACT.replace("- name: backend", "- name: my backend")
                                        .replace("cluster: backend", "cluster: \"my backend\"")))
                .containsExactly(
                        "clusters[0].name: must contain only letters, digits, '.', '_' and '-'"
                                + " (was \"my backend\")");
    }
}
