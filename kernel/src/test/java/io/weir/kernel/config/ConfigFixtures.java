package io.weir.kernel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** Config texts and helpers shared by the config tests. */
final class ConfigFixtures {
    private ConfigFixtures() {}

    static final Set<String> FILTERS = Set.of("weir.local_ratelimit", "weir.cors");
    static final Path BASE_DIR = Path.of("/etc/weir");

    /** The example from the config contract, verbatim. */
    static final String CONTRACT =
            """
            admin:
              address: 127.0.0.1:9901
            listeners:
              - name: ingress
                address: 127.0.0.1:10000
                http:
                  filters: []                 # ordered HTTP filters: {name, config}
                  virtual_hosts:
                    - name: default
                      domains: ["*"]
                      routes:
                        - match: { prefix: "/" }
                          route: { cluster: backend, timeout: 15s }
            clusters:
              - name: backend
                connect_timeout: 2s
                lb_policy: round_robin        # round_robin | least_request | random
                endpoints:
                  - address: 127.0.0.1:8080
            """;

    static final String ROUTE_PATH = "listeners[0].http.virtual_hosts[0].routes[0]";

    // ---- helpers

    static WeirConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, BASE_DIR, FILTERS);
    }

    static List<String> errors(String yaml) {
        try {
            parse(yaml);
        } catch (ConfigException e) {
            assertThat(e.getMessage()).isEqualTo(String.join("\n", e.errors()));
            return e.errors();
        }
        return fail("expected a ConfigException for:\n" + yaml);
    }

    /**
     * A valid one-listener config with the given extra {@code http} keys, one route (a flow
     * mapping) and extra keys for the single cluster {@code backend}. Each extra may hold several
     * lines.
     */
    static String config(String httpExtra, String route, String clusterExtra) {
        return """
                listeners:
                  - name: ingress
                    address: 127.0.0.1:10000
                    http:
                %s
                      virtual_hosts:
                        - name: default
                          domains: ["*"]
                          routes:
                            - %s
                clusters:
                  - name: backend
                    endpoints: [{ address: "127.0.0.1:8080" }]
                %s
                """
                .formatted(indent(httpExtra, 6), route, indent(clusterExtra, 4));
    }

    static String withRoute(String route) {
        return config("", route, "");
    }

    static String withHttp(String httpExtra) {
        return config(httpExtra, "{ match: { prefix: / }, route: { cluster: backend } }", "");
    }

    static String withCluster(String clusterExtra) {
        return config("", "{ match: { prefix: / }, route: { cluster: backend } }", clusterExtra);
    }

    private static String indent(String lines, int n) {
        return lines.isEmpty() ? "" : lines.indent(n).stripTrailing();
    }

    static Route onlyRoute(WeirConfig c) {
        return c.listeners().get(0).http().virtualHosts().get(0).routes().get(0);
    }
}
