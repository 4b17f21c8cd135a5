package io.weir.kernel.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.tracing.HeaderWriter;
import io.weir.spi.tracing.SpanKind;
import io.weir.spi.tracing.TraceSpan;
import org.junit.jupiter.api.Test;

class IstioMetricsTest {
    private final Stats stats = new Stats(2);
    private final IstioMetrics istio =
            new IstioMetrics(
                    stats,
                    new IstioMetrics.Identity(
                            "reviews-v1",
                            "bookinfo",
                            "reviews",
                            "v1",
                            "cluster-1",
                            "reviews.bookinfo.svc.cluster.local"));

    private static String flags(int bits) {
        return bits == 0 ? "-" : "UH";
    }

    private double value(String series) {
        for (String line : stats.renderPrometheus().split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        throw new AssertionError("no series " + series + " in\n" + stats.renderPrometheus());
    }

    @Test
    void inboundRequestsReportAsTheDestinationWithThisWorkloadsLabels() {
        istio.reporter(false)
                .record(
                        0,
                        "reviews:9080",
                        200,
                        0,
                        IstioMetricsTest::flags,
                        12.5,
                        10,
                        300,
                        null,
                        0L);
        String labels =
                "{reporter=\"destination\",source_workload=\"unknown\","
                        + "source_workload_namespace=\"unknown\",source_principal=\"unknown\","
                        + "source_app=\"unknown\",source_version=\"unknown\","
                        + "source_cluster=\"unknown\",destination_workload=\"reviews-v1\","
                        + "destination_workload_namespace=\"bookinfo\","
                        + "destination_principal=\"unknown\",destination_app=\"reviews\","
                        + "destination_version=\"v1\","
                        + "destination_service=\"reviews.bookinfo.svc.cluster.local\","
                        + "destination_service_name=\"reviews\","
                        + "destination_service_namespace=\"bookinfo\","
                        + "destination_cluster=\"cluster-1\",request_protocol=\"http\","
                        + "response_code=\"200\",grpc_response_status=\"\","
                        + "response_flags=\"-\",connection_security_policy=\"none\"}";
        assertThat(value("istio_requests_total" + labels)).isEqualTo(1);
        assertThat(value("istio_request_duration_milliseconds_sum" + labels)).isEqualTo(12.5);
        assertThat(value("istio_request_bytes_sum" + labels)).isEqualTo(10);
        assertThat(value("istio_response_bytes_sum" + labels)).isEqualTo(300);
        assertThat(stats.renderPrometheus())
                .contains(
                        "istio_response_bytes_bucket"
                                + labels.replace("}", ",le=\"1000\"}")
                                + " 1");
    }

    @Test
    void outboundRequestsReportAsTheSourceNamingTheServiceFromTheAuthority() {
        istio.reporter(true)
                .record(
                        1,
                        "ratings.bookinfo.svc.cluster.local:9080",
                        503,
                        1,
                        IstioMetricsTest::flags,
                        1,
                        0,
                        19,
                        null,
                        0L);
        String out = stats.renderPrometheus();
        assertThat(out)
                .contains(
                        "istio_requests_total{reporter=\"source\",source_workload=\"reviews-v1\","
                                + "source_workload_namespace=\"bookinfo\","
                                + "source_principal=\"unknown\",source_app=\"reviews\","
                                + "source_version=\"v1\",source_cluster=\"cluster-1\","
                                + "destination_workload=\"unknown\","
                                + "destination_workload_namespace=\"unknown\","
                                + "destination_principal=\"unknown\",destination_app=\"unknown\","
                                + "destination_version=\"unknown\","
                                + "destination_service=\"ratings.bookinfo.svc.cluster.local\","
                                + "destination_service_name=\"ratings\","
                                + "destination_service_namespace=\"bookinfo\","
                                + "destination_cluster=\"unknown\",request_protocol=\"http\","
                                + "response_code=\"503\",grpc_response_status=\"\","
                                + "response_flags=\"UH\",connection_security_policy=\"unknown\"} 1");
    }

    @Test
    void aRequestWithoutResponseCountsWithCodeZeroAndSeriesAreReusedPerTuple() {
        IstioMetrics.Reporter r = istio.reporter(false);
        for (int i = 0; i < 5; i++) {
            r.record(0, "a", 0, 0, IstioMetricsTest::flags, 1, 0, 0, null, 0L);
            r.record(1, "b", 200, 0, IstioMetricsTest::flags, 1, 0, 0, null, 0L);
            r.record(stats.otherSlot(), "c", 200, 0, IstioMetricsTest::flags, 1, 0, 0, null, 0L);
        }
        assertThat(stats.renderPrometheus())
                .contains(
                        "response_code=\"0\",grpc_response_status=\"\",response_flags=\"-\","
                                + "connection_security_policy=\"none\"} 5")
                .contains(
                        "response_code=\"200\",grpc_response_status=\"\",response_flags=\"-\","
                                + "connection_security_policy=\"none\"} 10");
        // two tuples, four families
        assertThat(stats.seriesCount()).isEqualTo(8);
    }

    @Test
    void outboundAuthoritiesBeyondTheCapShareTheUnknownService() {
        IstioMetrics.Reporter r = istio.reporter(true);
        for (int i = 0; i < IstioMetrics.MAX_SERVICES_PER_SLOT + 5; i++) {
            r.record(0, "svc" + i, 200, 0, IstioMetricsTest::flags, 1, 0, 0, null, 0L);
        }
        r.record(0, null, 200, 0, IstioMetricsTest::flags, 1, 0, 0, null, 0L);
        assertThat(stats.renderPrometheus())
                .contains("destination_service=\"svc0\"")
                .doesNotContain(
                        "destination_service=\"svc" + IstioMetrics.MAX_SERVICES_PER_SLOT + "\"")
                .contains("destination_service=\"unknown\",destination_service_name=\"unknown\"");
    }

    @Test
    void exemplarsOfTracedRequestsAppearOnlyInOpenMetrics() {
        istio.reporter(false)
                .record(
                        0,
                        "x",
                        200,
                        0,
                        IstioMetricsTest::flags,
                        7,
                        0,
                        0,
                        new IdSpan("4bf92f3577b34da6a3ce929d0e0e4736"),
                        1_700_000_000_000L);
        assertThat(stats.renderPrometheus()).doesNotContain("trace_id");
        assertThat(stats.renderOpenMetrics())
                .containsPattern(
                        "istio_request_duration_milliseconds_bucket\\{[^}]*le=\"10\"\\} 1"
                                + " # \\{trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\"\\} 7"
                                + " 1700000000\\.000\n")
                .containsPattern("le=\"5\"\\} 0\n");
    }

    @Test
    void derivesTheWorkloadFromThePodNameAsIstioDoes() {
        assertThat(IstioMetrics.workloadFromPodName("reviews-v1-545db77b95-x7k2p"))
                .isEqualTo("reviews-v1");
        assertThat(IstioMetrics.workloadFromPodName("fluentd-x7k2p")).isEqualTo("fluentd");
        assertThat(IstioMetrics.workloadFromPodName("web-0")).isEqualTo("web-0");
        assertThat(IstioMetrics.workloadFromPodName("productpage")).isEqualTo("productpage");
        assertThat(IstioMetrics.workloadFromPodName("")).isNull();
        assertThat(IstioMetrics.workloadFromPodName(null)).isNull();
    }

    @Test
    void parsesHostsAndServiceNames() {
        assertThat(IstioMetrics.host("Reviews:9080")).isEqualTo("reviews");
        assertThat(IstioMetrics.host("[fd00::1]:80")).isEqualTo("[fd00::1]");
        assertThat(IstioMetrics.host("")).isNull();
        assertThat(IstioMetrics.serviceName("reviews.bookinfo.svc.cluster.local"))
                .isEqualTo("reviews");
        assertThat(IstioMetrics.serviceNamespace("reviews.bookinfo.svc.cluster.local"))
                .isEqualTo("bookinfo");
        assertThat(IstioMetrics.serviceNamespace("example.com")).isEqualTo("unknown");
        assertThat(IstioMetrics.serviceNamespace("reviews")).isEqualTo("unknown");
    }

    /** A sampled span that has only its trace id: what an exemplar reads. */
    private record IdSpan(String traceId) implements TraceSpan {
        @Override
        public String spanId() {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isSampled() {
            return true;
        }

        @Override
        public TraceSpan startChild(String name, SpanKind kind, long startEpochNanos) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void inject(HeaderWriter headers) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setAttribute(String key, String value) {}

        @Override
        public void setAttribute(String key, long value) {}

        @Override
        public void setError(String description) {}

        @Override
        public void end() {}

        @Override
        public void end(long endEpochNanos) {}
    }
}
