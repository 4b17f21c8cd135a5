package io.weir.kernel.config;

import static io.weir.kernel.config.ConfigFixtures.errors;
import static io.weir.kernel.config.ConfigFixtures.parse;
import static io.weir.kernel.config.ConfigFixtures.withCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.config.ListenerConfig.TrafficDirection;
import org.junit.jupiter.api.Test;

class ObservabilityConfigTest {
    private static final String BASE = withCluster("");

    @Test
    void istioMetricsAreOffUnlessConfigured() throws Exception {
        WeirConfig c = parse(BASE);
        assertThat(c.observability().istioMetrics()).isNull();
        assertThat(c.listeners().get(0).trafficDirection()).isEqualTo(TrafficDirection.INBOUND);
    }

    @Test
    void anEmptyIstioMetricsBlockTurnsThemOnWithNothingSet() throws Exception {
        WeirConfig c = parse(BASE + "observability:\n  istio_metrics: {}\n");
        assertThat(c.observability().istioMetrics())
                .isEqualTo(new WeirConfig.IstioMetricsConfig(null, null, null, null, null, null));
        assertThat(
                        parse(
                                        BASE
                                                + "observability:\n  istio_metrics: { enabled: false, app: a }\n")
                                .observability()
                                .istioMetrics())
                .isNull();
    }

    @Test
    void bindsEveryIstioValueAndTheListenerDirection() throws Exception {
        String yaml =
                BASE.replace(
                                "    address: 127.0.0.1:10000\n",
                                "    address: 127.0.0.1:10000\n    traffic_direction: outbound\n")
                        + """
                        observability:
                          istio_metrics:
                            enabled: true
                            workload: reviews-v1
                            namespace: bookinfo
                            app: reviews
                            version: v1
                            mesh_cluster: Kubernetes
                            service: reviews.bookinfo.svc.cluster.local
                        """;
        WeirConfig c = parse(yaml);
        assertThat(c.observability().istioMetrics())
                .isEqualTo(
                        new WeirConfig.IstioMetricsConfig(
                                "reviews-v1",
                                "bookinfo",
                                "reviews",
                                "v1",
                                "Kubernetes",
                                "reviews.bookinfo.svc.cluster.local"));
        assertThat(c.listeners().get(0).trafficDirection()).isEqualTo(TrafficDirection.OUTBOUND);
        assertThat(ConfigJson.toJson(c))
                .contains("\"traffic_direction\": \"outbound\"")
                .contains("\"workload\": \"reviews-v1\"");
    }

    @Test
    void reportsEveryInvalidValueWithItsPath() {
        String yaml =
                BASE.replace(
                                "    address: 127.0.0.1:10000\n",
                                "    address: 127.0.0.1:10000\n    traffic_direction: sideways\n")
                        + """
                        observability:
                          istio_metrics:
                            enabled: "yes"
                            workload: ""
                            app: 7
                            version: "v\\u0001"
                            service: "Reviews Service"
                            mesh: c1
                        """;
        assertThat(errors(yaml))
                .containsExactly(
                        "listeners[0].traffic_direction: must be one of inbound, outbound (was"
                                + " \"sideways\")",
                        "observability.istio_metrics.enabled: expected a boolean (was a string)",
                        "observability.istio_metrics.workload: must not be empty",
                        "observability.istio_metrics.app: expected a string (was an integer)",
                        "observability.istio_metrics.version: must not contain control characters",
                        "observability.istio_metrics.service: invalid service \"Reviews Service\""
                                + " (expected a lower-case host name such as"
                                + " reviews.default.svc.cluster.local)",
                        "observability.istio_metrics.mesh: unknown key (expected one of: enabled,"
                                + " workload, namespace, app, version, mesh_cluster, service)");
        assertThat(errors(BASE + "observability:\n  metrics: {}\n"))
                .containsExactly(
                        "observability.metrics: unknown key (expected one of: istio_metrics)");
        assertThat(errors(BASE + "observability:\n  istio_metrics: true\n"))
                .containsExactly("observability.istio_metrics: expected a mapping (was a boolean)");
    }
}
