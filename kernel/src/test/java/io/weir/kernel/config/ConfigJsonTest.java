package io.weir.kernel.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

class ConfigJsonTest {
    /** A config that uses every key at least once. */
    static final String FULL =
            """
            admin:
              address: "[::1]:9902"
            listeners:
              - name: edge
                address: 0.0.0.0:8443
                per_connection_buffer_limit: 64KiB
                http:
                  filters:
                    - name: weir.cors
                      config:
                        allow_origins: ["https://app.example"]
                        max_age: 600
                        credentials: true
                        ratio: 0.5
                        extra: null
                        nested: { list: [1, [2, 3], {}], empty: [] }
                    - name: weir.local_ratelimit
                  request_headers_timeout: 2500ms
                  idle_timeout: 90s
                  max_request_body: 8MiB
                  max_request_headers_kb: 16
                  max_headers_count: 64
                  merge_slashes: true
                  xff_num_trusted_hops: 1
                  generate_request_id: false
                  server_name: edge-proxy
                  access_log:
                    - path: /dev/stdout
                    - path: /var/log/weir/access.json
                      format: json
                  virtual_hosts:
                    - name: api
                      domains: [api.example.com, "api.example.com:8443"]
                      request_headers:
                        add: { x-env: prod }
                        set: { x-served-by: weir }
                        remove: [x-debug]
                      response_headers:
                        remove: [server]
                      routes:
                        - name: users
                          match:
                            path: /v1/users
                            methods: [GET, HEAD]
                            headers:
                              - { name: x-canary, exact: "1" }
                              - { name: x-tenant, prefix: acme- }
                              - { name: x-trace, regex: "[a-f0-9]+", invert: true }
                              - { name: x-present, present: true }
                            query_parameters:
                              - { name: v, exact: "2" }
                              - { name: debug, present: false }
                          route:
                            weighted_clusters:
                              - { name: users-v1, weight: 90 }
                              - { name: users-v2, weight: 10 }
                            timeout: 0s
                        - match: { safe_regex: "/v[0-9]+/items/.*", case_sensitive: false }
                          route:
                            cluster: items
                            timeout: 1m
                            prefix_rewrite: /items/
                            host_rewrite: items.internal:8080
                          response_headers:
                            set: { cache-control: no-store }
                    - name: redirects
                      domains: ["*.example.com", "www.*"]
                      routes:
                        - match: { prefix: /old/ }
                          redirect:
                            scheme_redirect: https
                            host_redirect: new.example.com
                            port_redirect: 443
                            prefix_rewrite: /new/
                            response_code: 308
                            strip_query: true
                        - match: { prefix: /moved }
                          redirect: { path_redirect: /here }
                    - name: fallback
                      domains: ["*"]
                      routes:
                        - match: { prefix: / }
                          direct_response: { status: 404, body: "not here\\n" }
            clusters:
              - name: users-v1
                endpoints: [{ address: 10.0.0.1:8080 }, { address: "[fd00::1]:8080" }]
              - name: users-v2
                lb_policy: least_request
                endpoints: [{ address: users-v2.svc:8080 }]
              - name: items
                connect_timeout: 250ms
                lb_policy: random
                endpoints: [{ address: items.internal:8080 }]
                max_connections_per_endpoint: 16
                idle_timeout: 5m
                dns_refresh_rate: 30s
                max_pending_requests: 100
            """;

    private static WeirConfig parse(String yaml) throws ConfigException {
        return ConfigFixtures.parse(yaml);
    }

    @Test
    void rendersTheContractExampleWithDefaultsFilledIn() throws Exception {
        String json = ConfigJson.toJson(parse(ConfigFixtures.CONTRACT));

        assertThat(json)
                .isEqualTo(
                        """
                        {
                          "admin": {
                            "address": "127.0.0.1:9901"
                          },
                          "plugin_dirs": [
                            "plugins"
                          ],
                          "listeners": [
                            {
                              "name": "ingress",
                              "address": "127.0.0.1:10000",
                              "per_connection_buffer_limit": 1048576,
                              "traffic_direction": "inbound",
                              "http": {
                                "filters": [],
                                "virtual_hosts": [
                                  {
                                    "name": "default",
                                    "domains": [
                                      "*"
                                    ],
                                    "routes": [
                                      {
                                        "match": {
                                          "prefix": "/",
                                          "case_sensitive": true,
                                          "headers": [],
                                          "query_parameters": [],
                                          "methods": []
                                        },
                                        "route": {
                                          "cluster": "backend",
                                          "timeout": "15s"
                                        },
                                        "request_headers": {
                                          "add": {},
                                          "set": {},
                                          "remove": []
                                        },
                                        "response_headers": {
                                          "add": {},
                                          "set": {},
                                          "remove": []
                                        }
                                      }
                                    ],
                                    "request_headers": {
                                      "add": {},
                                      "set": {},
                                      "remove": []
                                    },
                                    "response_headers": {
                                      "add": {},
                                      "set": {},
                                      "remove": []
                                    }
                                  }
                                ],
                                "request_headers_timeout": "10s",
                                "idle_timeout": "1h",
                                "max_request_body": 0,
                                "max_request_headers_kb": 60,
                                "max_headers_count": 100,
                                "merge_slashes": false,
                                "xff_num_trusted_hops": 0,
                                "generate_request_id": true,
                                "server_name": "weir",
                                "access_log": []
                              }
                            }
                          ],
                          "clusters": [
                            {
                              "name": "backend",
                              "connect_timeout": "2s",
                              "lb_policy": "round_robin",
                              "endpoints": [
                                {
                                  "address": "127.0.0.1:8080"
                                }
                              ],
                              "max_connections_per_endpoint": 1024,
                              "idle_timeout": "1m",
                              "dns_refresh_rate": "5s",
                              "max_pending_requests": 1024
                            }
                          ]
                        }
                        """);
    }

    @Test
    void theDumpIsAConfigThatLoadsBackToTheSameConfig() throws Exception {
        WeirConfig original = parse(FULL);
        String json = ConfigJson.toJson(original);

        WeirConfig reloaded = parse(json);

        assertThat(ConfigJson.toJson(reloaded)).isEqualTo(json);
        assertThat(reloaded.admin()).isEqualTo(original.admin());
        assertThat(reloaded.clusters()).isEqualTo(original.clusters());
        assertThat(reloaded.listeners().get(0).http().filters())
                .isEqualTo(original.listeners().get(0).http().filters());
        assertThat(reloaded.listeners().get(0).http().accessLog())
                .isEqualTo(original.listeners().get(0).http().accessLog());
    }

    @Test
    void dumpsTracingAndObservabilityWithDefaultsAndLoadsThemBack() throws Exception {
        WeirConfig original =
                parse(
                        ConfigFixtures.CONTRACT
                                + """
                                tracing:
                                  sampling: 0.25
                                  propagation: [b3, w3c]
                                  force_sample_header: x-trace-me
                                  exporter: { zipkin: { endpoint: "http://127.0.0.1:9411/api/v2/spans" } }
                                observability:
                                  istio_metrics: { workload: reviews-v1, namespace: bookinfo }
                                """);
        String json = ConfigJson.toJson(original);

        assertThat(json)
                .contains(
                        """
                          "tracing": {
                            "service_name": "weir",
                            "sampling": 0.25,
                            "propagation": [
                              "b3",
                              "w3c"
                            ],
                            "force_sample_header": "x-trace-me",
                            "filter_spans": false,
                            "exporter": {
                              "zipkin": {
                                "endpoint": "http://127.0.0.1:9411/api/v2/spans"
                              }
                            },
                            "batch": {
                              "max_queue_size": 2048,
                              "max_export_batch_size": 512,
                              "schedule_delay": "1s",
                              "export_timeout": "10s"
                            }
                          }
                        """)
                .contains("\"workload\": \"reviews-v1\"")
                .doesNotContain("null");
        WeirConfig reloaded = parse(json);
        assertThat(ConfigJson.toJson(reloaded)).isEqualTo(json);
        assertThat(reloaded.tracing().sampling()).isEqualTo(0.25);
        assertThat(reloaded.tracing().exporter()).isEqualTo(original.tracing().exporter());
        assertThat(reloaded.tracing().batch()).isEqualTo(original.tracing().batch());
        assertThat(reloaded.observability()).isEqualTo(original.observability());
    }

    @Test
    void rendersValuesInTheirYamlSpelling() throws Exception {
        String json = ConfigJson.toJson(parse(FULL));

        assertThat(json)
                .contains("\"address\": \"[::1]:9902\"")
                .contains("\"per_connection_buffer_limit\": 65536")
                .contains("\"max_request_body\": 8388608")
                .contains("\"request_headers_timeout\": \"2500ms\"")
                .contains("\"idle_timeout\": \"90s\"")
                .contains("\"connect_timeout\": \"250ms\"")
                .contains("\"idle_timeout\": \"5m\"")
                .contains("\"timeout\": \"0s\"")
                .contains("\"lb_policy\": \"least_request\"")
                .contains("\"format\": \"json\"")
                .contains("\"safe_regex\": \"/v[0-9]+/items/.*\"")
                .contains("\"body\": \"not here\\n\"")
                .contains("\"ratio\": 0.5")
                .contains("\"extra\": null")
                .contains("\"credentials\": true")
                .contains("\"empty\": []")
                .doesNotContain("base_dir")
                .doesNotContain("\"port_redirect\": 0");
    }

    @Test
    void theOutputIsJsonThatParsesToTheSameTree() throws Exception {
        WeirConfig config = parse(FULL);

        Object tree = load(ConfigJson.toJson(config));

        Map<?, ?> listener = (Map<?, ?>) ((List<?>) ((Map<?, ?>) tree).get("listeners")).get(0);
        Map<?, ?> filter =
                (Map<?, ?>) ((List<?>) ((Map<?, ?>) listener.get("http")).get("filters")).get(0);
        assertThat(filter.get("config"))
                .isEqualTo(config.listeners().get(0).http().filters().get(0).config());
    }

    @Test
    void redactsSecretValuesByKeyAtAnyDepth() throws Exception {
        String yaml =
                ConfigFixtures.withHttp(
                        """
                        filters:
                          - name: weir.cors
                            config:
                              client_secret: s3cr3t
                              Password: hunter2
                              issuers:
                                - name: main
                                  api_key: abc
                                  signing_keys: [k1, k2]
                                  auth: { Authorization: Bearer xyz, refresh_token: rt }
                              keep: visible
                        """);
        String json = ConfigJson.toJson(parse(yaml));

        assertThat(json)
                .contains("\"client_secret\": \"[redacted]\"")
                .contains("\"Password\": \"[redacted]\"")
                .contains("\"api_key\": \"[redacted]\"")
                .contains("\"signing_keys\": \"[redacted]\"")
                .contains("\"Authorization\": \"[redacted]\"")
                .contains("\"refresh_token\": \"[redacted]\"")
                .contains("\"name\": \"main\"")
                .contains("\"keep\": \"visible\"")
                .doesNotContain("s3cr3t", "hunter2", "abc", "k1", "Bearer", "\"rt\"");
    }

    @Test
    void redactsSecretHeaderValuesInMutationsAndMatchers() throws Exception {
        String yaml =
                ConfigFixtures.withRoute(
                        "{ match: { prefix: /, headers: [{ name: authorization, exact: 'Bearer"
                                + " abc' }, { name: x-api-key, regex: 'k[0-9]+' }, { name: x-user,"
                                + " exact: alice }], query_parameters: [{ name: access_token,"
                                + " prefix: tk_ }] }, route: { cluster: backend }, request_headers:"
                                + " { set: { authorization: 'Basic Zm9v', x-plain: shown } } }");
        String json = ConfigJson.toJson(parse(yaml));

        assertThat(json)
                .contains("\"name\": \"authorization\"")
                .contains("\"exact\": \"[redacted]\"")
                .contains("\"regex\": \"[redacted]\"")
                .contains("\"prefix\": \"[redacted]\"")
                .contains("\"authorization\": \"[redacted]\"")
                .contains("\"exact\": \"alice\"")
                .contains("\"x-plain\": \"shown\"")
                .doesNotContain("Bearer", "k[0-9]+", "tk_", "Zm9v");
    }

    @Test
    void escapesStringsAsJson() throws Exception {
        String yaml =
                ConfigFixtures.withHttp(
                        "filters: [{ name: weir.cors, config: { s: \"q\\\"b\\\\n\\nt\\tc\\u0001é\" }"
                                + " }]");
        WeirConfig config = parse(yaml);

        String json = ConfigJson.toJson(config);

        assertThat(json).contains("\"s\": \"q\\\"b\\\\n\\nt\\tc\\u0001é\"");
        Map<?, ?> tree = (Map<?, ?>) load(json);
        assertThat(tree.toString()).contains("q\"b\\n\nt\tc\u0001é");
    }

    private static Object load(String json) {
        return new Load(LoadSettings.builder().build()).loadFromString(json);
    }
}
