package io.weir.kernel.config;

import static io.weir.kernel.config.ConfigFixtures.BASE_DIR;
import static io.weir.kernel.config.ConfigFixtures.CONTRACT;
import static io.weir.kernel.config.ConfigFixtures.FILTERS;
import static io.weir.kernel.config.ConfigFixtures.ROUTE_PATH;
import static io.weir.kernel.config.ConfigFixtures.config;
import static io.weir.kernel.config.ConfigFixtures.errors;
import static io.weir.kernel.config.ConfigFixtures.onlyRoute;
import static io.weir.kernel.config.ConfigFixtures.parse;
import static io.weir.kernel.config.ConfigFixtures.withCluster;
import static io.weir.kernel.config.ConfigFixtures.withHttp;
import static io.weir.kernel.config.ConfigFixtures.withRoute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.kernel.config.ClusterConfig.LbPolicy;
import io.weir.kernel.config.ListenerConfig.AccessLogConfig;
import io.weir.kernel.config.ListenerConfig.HttpConfig;
import io.weir.kernel.config.Route.Forward;
import io.weir.kernel.config.Route.Match;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading whole files: the contract example, defaults, file-level errors, unknown keys and types,
 * and many errors at once.
 */
class ConfigLoaderTest {
    // ---- the contract example and defaults

    @Test
    void loadsTheContractExampleWithItsValuesAndDefaults() throws Exception {
        WeirConfig c = parse(CONTRACT);

        assertThat(c.baseDir()).isEqualTo(BASE_DIR);
        assertThat(c.admin().address()).isEqualTo(new HostPort("127.0.0.1", 9901));
        assertThat(c.listeners()).hasSize(1);
        ListenerConfig l = c.listeners().get(0);
        assertThat(l.name()).isEqualTo("ingress");
        assertThat(l.address()).isEqualTo(new HostPort("127.0.0.1", 10000));
        assertThat(l.perConnectionBufferLimitBytes()).isEqualTo(1024 * 1024);

        HttpConfig h = l.http();
        assertThat(h.filters()).isEmpty();
        assertThat(h.requestHeadersTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(h.idleTimeout()).isEqualTo(Duration.ofHours(1));
        assertThat(h.maxRequestBodyBytes()).isZero();
        assertThat(h.maxRequestHeadersKb()).isEqualTo(60);
        assertThat(h.maxHeadersCount()).isEqualTo(100);
        assertThat(h.mergeSlashes()).isFalse();
        assertThat(h.xffNumTrustedHops()).isZero();
        assertThat(h.generateRequestId()).isTrue();
        assertThat(h.serverName()).isEqualTo("weir");
        assertThat(h.accessLog()).isEmpty();

        VirtualHost vh = h.virtualHosts().get(0);
        assertThat(vh.name()).isEqualTo("default");
        assertThat(vh.domains()).containsExactly("*");
        assertThat(vh.requestHeaders()).isEqualTo(HeaderMutations.NONE);
        assertThat(vh.responseHeaders()).isEqualTo(HeaderMutations.NONE);
        Route r = vh.routes().get(0);
        assertThat(r.name()).isNull();
        assertThat(r.match())
                .isEqualTo(new Match("/", null, null, true, List.of(), List.of(), List.of()));
        assertThat(r.action())
                .isEqualTo(new Forward("backend", List.of(), Duration.ofSeconds(15), null, null));

        ClusterConfig cl = c.cluster("backend");
        assertThat(cl)
                .isEqualTo(
                        new ClusterConfig(
                                "backend",
                                Duration.ofSeconds(2),
                                LbPolicy.ROUND_ROBIN,
                                List.of(new HostPort("127.0.0.1", 8080)),
                                1024,
                                Duration.ofSeconds(60),
                                Duration.ofSeconds(5),
                                1024));
    }

    @Test
    void fillsClusterAndRouteDefaults() throws Exception {
        WeirConfig c = parse(withRoute("{ match: { prefix: / }, route: { cluster: backend } }"));

        ClusterConfig cl = c.clusters().get(0);
        assertThat(cl.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(cl.lbPolicy()).isEqualTo(LbPolicy.ROUND_ROBIN);
        assertThat(cl.maxConnectionsPerEndpoint()).isEqualTo(1024);
        assertThat(cl.idleTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(cl.dnsRefreshRate()).isEqualTo(Duration.ofSeconds(5));
        assertThat(cl.maxPendingRequests()).isEqualTo(1024);
        assertThat(((Forward) onlyRoute(c).action()).timeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(onlyRoute(c).match().caseSensitive()).isTrue();
    }

    @Test
    void missingAdminDefaultsToLoopback9901() throws Exception {
        WeirConfig c = parse(CONTRACT.replace("admin:\n  address: 127.0.0.1:9901\n", ""));

        assertThat(c.admin().address()).isEqualTo(new HostPort("127.0.0.1", 9901));
    }

    @Test
    void bindsEveryHttpSetting() throws Exception {
        WeirConfig c =
                parse(
                        withHttp(
                                """
                                request_headers_timeout: 5s
                                idle_timeout: 10m
                                max_request_body: 1MiB
                                max_request_headers_kb: 32
                                max_headers_count: 50
                                merge_slashes: true
                                xff_num_trusted_hops: 2
                                generate_request_id: false
                                server_name: edge
                                filters:
                                  - name: weir.cors
                                    config: { allow_origins: ["https://a.example"], max_age: 600 }
                                  - name: weir.local_ratelimit
                                access_log:
                                  - path: /dev/stdout
                                  - path: logs/access.log
                                    format: json
                                """));

        HttpConfig h = c.listeners().get(0).http();
        assertThat(h.requestHeadersTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(h.idleTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(h.maxRequestBodyBytes()).isEqualTo(1 << 20);
        assertThat(h.maxRequestHeadersKb()).isEqualTo(32);
        assertThat(h.maxHeadersCount()).isEqualTo(50);
        assertThat(h.mergeSlashes()).isTrue();
        assertThat(h.xffNumTrustedHops()).isEqualTo(2);
        assertThat(h.generateRequestId()).isFalse();
        assertThat(h.serverName()).isEqualTo("edge");
        assertThat(h.filters()).hasSize(2);
        assertThat(h.filters().get(0).name()).isEqualTo("weir.cors");
        assertThat(h.filters().get(0).config())
                .isEqualTo(Map.of("allow_origins", List.of("https://a.example"), "max_age", 600));
        assertThat(h.filters().get(1).config()).isEqualTo(Map.of());
        assertThat(h.accessLog())
                .containsExactly(
                        new AccessLogConfig("/dev/stdout", AccessLogConfig.Format.TEXT),
                        new AccessLogConfig(
                                BASE_DIR.resolve("logs/access.log").toString(),
                                AccessLogConfig.Format.JSON));
    }

    @Test
    void filterConfigIsAnUnmodifiableCopy() throws Exception {
        WeirConfig c =
                parse(withHttp("filters: [{ name: weir.cors, config: { origins: [a, b] } }]"));

        Object config = c.listeners().get(0).http().filters().get(0).config();
        assertThatThrownBy(() -> ((Map<?, ?>) config).clear())
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ((List<?>) ((Map<?, ?>) config).get("origins")).clear())
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void loadsAFileAndResolvesAccessLogPathsAgainstItsDirectory(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("weir.yaml");
        Files.writeString(file, withHttp("access_log: [{ path: access.log }]"));

        WeirConfig c = ConfigLoader.load(file, FILTERS);

        assertThat(c.baseDir()).isEqualTo(dir.toAbsolutePath());
        assertThat(c.listeners().get(0).http().accessLog().get(0).path())
                .isEqualTo(dir.toAbsolutePath().resolve("access.log").toString());
    }

    @Test
    void aMissingFileIsAnIoError(@TempDir Path dir) {
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("nope.yaml"), FILTERS))
                .isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void theRecordsListsAreUnmodifiable() throws Exception {
        WeirConfig c = parse(CONTRACT);

        assertThatThrownBy(() -> c.listeners().clear())
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> c.clusters().get(0).endpoints().clear())
                .isInstanceOf(UnsupportedOperationException.class);
    }

    // ---- file-level errors

    @Test
    void anEmptyFileIsAnError() {
        assertThat(errors("")).containsExactly("(root): empty config");
        assertThat(errors("# nothing here\n")).containsExactly("(root): empty config");
    }

    @Test
    void aYamlSyntaxErrorIsOneErrorWithLineAndColumn() {
        assertThat(errors("listeners:\n  - name: a\n    address: [\n"))
                .containsExactly(
                        "(root): invalid YAML at line 4, column 1: while parsing a flow node:"
                                + " expected the node content, but found '<stream end>'");
        assertThat(errors("admin:\n  address: a: b\n"))
                .containsExactly(
                        "(root): invalid YAML at line 2, column 13: mapping values are not"
                                + " allowed here");
    }

    @Test
    void aDuplicateKeyIsAYamlError() {
        assertThat(errors(CONTRACT.replace("connect_timeout: 2s", "name: again")))
                .containsExactly(
                        "(root): invalid YAML at line 16, column 5: while constructing a mapping:"
                                + " found duplicate key name");
    }

    @Test
    void theRootMustBeAMapping() {
        assertThat(errors("- a\n- b\n")).containsExactly("(root): expected a mapping (was a list)");
    }

    @Test
    void atLeastOneListenerIsRequired() {
        assertThat(errors("clusters: []\n")).containsExactly("listeners: required");
        assertThat(errors("listeners: []\n")).containsExactly("listeners: must not be empty");
    }

    // ---- unknown keys, required values, types

    @Test
    void unknownKeysAreErrorsNamingTheExpectedKeys() {
        assertThat(errors(CONTRACT.replace("virtual_hosts:", "virtual_hostz:")))
                .containsExactly(
                        "listeners[0].http.virtual_hosts: required",
                        "listeners[0].http.virtual_hostz: unknown key (expected one of: filters,"
                                + " virtual_hosts, request_headers_timeout, idle_timeout,"
                                + " max_request_body, max_request_headers_kb, max_headers_count,"
                                + " merge_slashes, xff_num_trusted_hops, generate_request_id,"
                                + " server_name, access_log, tracing)");
        assertThat(errors(CONTRACT + "tracer: {}\n"))
                .containsExactly(
                        "tracer: unknown key (expected one of: admin, plugin_dirs, listeners,"
                                + " clusters, observability, tracing)");
        assertThat(errors(withCluster("endpoint: []")))
                .containsExactly(
                        "clusters[0].endpoint: unknown key (expected one of: name,"
                                + " connect_timeout, lb_policy, endpoints,"
                                + " max_connections_per_endpoint, idle_timeout, dns_refresh_rate,"
                                + " max_pending_requests)");
    }

    @Test
    void missingRequiredValuesAreErrors() {
        assertThat(errors(CONTRACT.replace("- name: ingress\n    ", "- ")))
                .containsExactly("listeners[0].name: required");
        assertThat(errors(CONTRACT.replace("name: ingress", "name:")))
                .containsExactly("listeners[0].name: required");
        assertThat(errors(CONTRACT.replace("name: ingress", "name: ''")))
                .containsExactly("listeners[0].name: must not be empty");
        assertThat(errors(CONTRACT.replace("    address: 127.0.0.1:10000\n", "")))
                .containsExactly("listeners[0].address: required");
        assertThat(errors(withRoute("{ route: { cluster: backend } }")))
                .containsExactly(ROUTE_PATH + ".match: required");
        assertThat(errors(CONTRACT.replace("  - address: 127.0.0.1:8080", "  -")))
                .containsExactly("clusters[0].endpoints[0]: expected a mapping (was null)");
    }

    @Test
    void wrongTypesAreErrorsNamingBothTypes() {
        assertThat(errors(CONTRACT.replace("filters: []", "filters: weir.cors")))
                .containsExactly("listeners[0].http.filters: expected a list (was a string)");
        assertThat(errors(CONTRACT.replace("domains: [\"*\"]", "domains: {a: b}")))
                .containsExactly(
                        "listeners[0].http.virtual_hosts[0].domains: expected a list (was a"
                                + " mapping)");
        assertThat(errors(withCluster("max_pending_requests: many")))
                .containsExactly(
                        "clusters[0].max_pending_requests: expected an integer (was a string)");
        assertThat(errors(withHttp("merge_slashes: 1")))
                .containsExactly(
                        "listeners[0].http.merge_slashes: expected a boolean (was an"
                                + " integer)");
        assertThat(errors(withHttp("server_name: 1.5")))
                .containsExactly("listeners[0].http.server_name: expected a string (was a number)");
        assertThat(errors(CONTRACT.replace("- name: ingress", "- name: [ingress]")))
                .containsExactly("listeners[0].name: expected a string (was a list)");
        assertThat(errors(withRoute("{ match: / , route: { cluster: backend } }")))
                .containsExactly(ROUTE_PATH + ".match: expected a mapping (was a string)");
    }

    @Test
    void lbPolicyMustBeKnown() throws Exception {
        assertThat(errors(CONTRACT.replace("lb_policy: round_robin", "lb_policy: fastest")))
                .containsExactly(
                        "clusters[0].lb_policy: must be one of round_robin, least_request, random"
                                + " (was \"fastest\")");
        assertThat(parse(withCluster("lb_policy: least_request")).clusters().get(0).lbPolicy())
                .isEqualTo(LbPolicy.LEAST_REQUEST);
        assertThat(parse(withCluster("lb_policy: random")).clusters().get(0).lbPolicy())
                .isEqualTo(LbPolicy.RANDOM);
    }

    @Test
    void aClusterNeedsEndpoints() {
        assertThat(
                        errors(
                                CONTRACT.replace(
                                        "    endpoints:\n      - address: 127.0.0.1:8080\n", "")))
                .containsExactly("clusters[0].endpoints: required");
        assertThat(
                        errors(
                                CONTRACT.replace(
                                        "endpoints:\n      - address: 127.0.0.1:8080",
                                        "endpoints: []")))
                .containsExactly("clusters[0].endpoints: must not be empty");
    }

    // ---- several errors at once

    @Test
    void reportsEveryErrorOfAFileTogetherInFileOrder() {
        String yaml =
                """
                admin:
                  address: localhost
                listeners:
                  - address: 0.0.0.0:80
                    http:
                      filters: [{ name: acme.x }]
                      idle_timeout: 5
                      virtual_hosts:
                        - name: default
                          domains: ["*"]
                          routes:
                            - match: { prefix: / }
                              route: { cluster: nowhere }
                            - match: { path: nope }
                              direct_response: { status: 700 }
                clusters:
                  - name: backend
                    lb_policy: fastest
                    connect_timeout: 2x
                    endpoints: [{ address: "10.0.0.1:0" }]
                    colour: blue
                """;

        assertThat(errors(yaml))
                .containsExactly(
                        "admin.address: invalid address \"localhost\" (expected HOST:PORT)",
                        "listeners[0].name: required",
                        "listeners[0].http.filters[0].name: unknown filter \"acme.x\" (known: weir.cors, weir.local_ratelimit)",
                        "listeners[0].http.idle_timeout: invalid duration \"5\" (expected e.g."
                                + " 250ms, 15s, 1m)",
                        "listeners[0].http.virtual_hosts[0].routes[0].route.cluster: unknown"
                                + " cluster \"nowhere\"",
                        "listeners[0].http.virtual_hosts[0].routes[1].match.path: must start with"
                                + " \"/\" (was \"nope\")",
                        "listeners[0].http.virtual_hosts[0].routes[1].direct_response.status:"
                                + " must be 100..599 (was 700)",
                        "clusters[0].lb_policy: must be one of round_robin, least_request, random"
                                + " (was \"fastest\")",
                        "clusters[0].connect_timeout: invalid duration \"2x\" (expected e.g."
                                + " 250ms, 15s, 1m)",
                        "clusters[0].endpoints[0].address: invalid address \"10.0.0.1:0\" (port"
                                + " must be 1..65535)",
                        "clusters[0].colour: unknown key (expected one of: name, connect_timeout,"
                                + " lb_policy, endpoints, max_connections_per_endpoint,"
                                + " idle_timeout, dns_refresh_rate, max_pending_requests)");
    }

    @Test
    void accessLogFormatMustBeKnown() {
        assertThat(
                        errors(
                                withHttp(
                                        "access_log: [{ path: /dev/stdout, format: xml }, { format: json }]")))
                .containsExactly(
                        "listeners[0].http.access_log[0].format: must be one of text, json (was"
                                + " \"xml\")",
                        "listeners[0].http.access_log[1].path: required");
    }
}
