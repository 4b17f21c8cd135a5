package io.weir.kernel.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class NegotiationTest {
    @Test
    void prefersOpenMetricsOnlyWhenAskedForAtLeastAsMuchAsText() {
        // Prometheus 2.42's scrape header
        assertThat(
                        Negotiation.prefersOpenMetrics(
                                List.of(
                                        "application/openmetrics-text;version=1.0.0,"
                                                + "application/openmetrics-text;version=0.0.1;q=0.75,"
                                                + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")))
                .isTrue();
        assertThat(Negotiation.prefersOpenMetrics(List.of("application/openmetrics-text")))
                .isTrue();
        assertThat(Negotiation.prefersOpenMetrics(List.of())).isFalse();
        assertThat(Negotiation.prefersOpenMetrics(List.of("*/*"))).isFalse();
        assertThat(Negotiation.prefersOpenMetrics(List.of("text/plain;version=0.0.4"))).isFalse();
        assertThat(
                        Negotiation.prefersOpenMetrics(
                                List.of("text/plain, application/openmetrics-text;q=0.5")))
                .isFalse();
        assertThat(Negotiation.prefersOpenMetrics(List.of("application/openmetrics-text;q=0")))
                .isFalse();
        assertThat(Negotiation.prefersOpenMetrics(List.of("application/openmetrics-text;q=x")))
                .isFalse();
    }
}
