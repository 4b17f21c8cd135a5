package io.weir.kernel.config;

import static io.weir.kernel.config.ConfigFixtures.CONTRACT;
import static io.weir.kernel.config.ConfigFixtures.ROUTE_PATH;
import static io.weir.kernel.config.ConfigFixtures.errors;
import static io.weir.kernel.config.ConfigFixtures.onlyRoute;
import static io.weir.kernel.config.ConfigFixtures.parse;
import static io.weir.kernel.config.ConfigFixtures.withCluster;
import static io.weir.kernel.config.ConfigFixtures.withHttp;
import static io.weir.kernel.config.ConfigFixtures.withRoute;
import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.config.Route.Forward;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Durations, sizes, numbers and addresses, as written in a config file. */
class ConfigValuesTest {
    // ---- durations, sizes, numbers

    @ParameterizedTest
    @CsvSource({"250ms, 250", "15s, 15000", "1m, 60000", "2h, 7200000", "0s, 0"})
    void parsesDurations(String text, long millis) throws Exception {
        WeirConfig c =
                parse(
                        withRoute(
                                "{ match: { prefix: / }, route: { cluster: backend, timeout: "
                                        + text
                                        + " } }"));

        assertThat(((Forward) onlyRoute(c).action()).timeout())
                .isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"15", "'15'", "1.5s", "15 s", "-1s", "1d", "s", "''", "15S", "1ms5"})
    void rejectsInvalidDurations(String text) {
        String shown = text.startsWith("'") ? text.substring(1, text.length() - 1) : text;

        assertThat(
                        errors(
                                withRoute(
                                        "{ match: { prefix: / }, route: { cluster: backend, timeout: "
                                                + text
                                                + " } }")))
                .containsExactly(
                        ROUTE_PATH
                                + ".route.timeout: invalid duration \""
                                + shown
                                + "\" (expected e.g. 250ms, 15s, 1m)");
    }

    @Test
    void timeoutsOtherThanTheRouteTimeoutMustBePositive() {
        assertThat(errors(withCluster("connect_timeout: 0s")))
                .containsExactly("clusters[0].connect_timeout: must be > 0 (was 0s)");
        assertThat(errors(withHttp("idle_timeout: 0ms")))
                .containsExactly("listeners[0].http.idle_timeout: must be > 0 (was 0ms)");
        assertThat(errors(withCluster("dns_refresh_rate: [1s]")))
                .containsExactly("clusters[0].dns_refresh_rate: expected a duration (was a list)");
    }

    @ParameterizedTest
    @CsvSource({"512, 512", "0, 0", "64KiB, 65536", "1MiB, 1048576", "2GiB, 2147483648"})
    void parsesSizes(String text, long bytes) throws Exception {
        WeirConfig c = parse(withHttp("max_request_body: " + text));

        assertThat(c.listeners().get(0).http().maxRequestBodyBytes()).isEqualTo(bytes);
    }

    @Test
    void rejectsInvalidSizes() {
        assertThat(errors(withHttp("max_request_body: 1MB")))
                .containsExactly(
                        "listeners[0].http.max_request_body: invalid size \"1MB\" (expected bytes"
                                + " or e.g. 64KiB, 1MiB, 1GiB)");
        assertThat(errors(withHttp("max_request_body: -1")))
                .containsExactly(
                        "listeners[0].http.max_request_body: invalid size \"-1\" (expected bytes"
                                + " or e.g. 64KiB, 1MiB, 1GiB)");
        assertThat(
                        errors(
                                CONTRACT.replace(
                                        "    http:",
                                        "    per_connection_buffer_limit: 4GiB\n    http:")))
                .containsExactly(
                        "listeners[0].per_connection_buffer_limit: must be <= 2147483647 (was"
                                + " 4GiB)");
        assertThat(
                        errors(
                                CONTRACT.replace(
                                        "    http:",
                                        "    per_connection_buffer_limit: 0\n    http:")))
                .containsExactly("listeners[0].per_connection_buffer_limit: must be > 0 (was 0)");
    }

    @Test
    void numericLimitsMustBePositive() {
        assertThat(errors(withCluster("max_connections_per_endpoint: 0")))
                .containsExactly("clusters[0].max_connections_per_endpoint: must be > 0 (was 0)");
        assertThat(errors(withCluster("max_pending_requests: -5")))
                .containsExactly("clusters[0].max_pending_requests: must be > 0 (was -5)");
        assertThat(errors(withHttp("max_headers_count: 0")))
                .containsExactly("listeners[0].http.max_headers_count: must be > 0 (was 0)");
        assertThat(errors(withHttp("max_request_headers_kb: 0")))
                .containsExactly("listeners[0].http.max_request_headers_kb: must be > 0 (was 0)");
        assertThat(errors(withHttp("xff_num_trusted_hops: -1")))
                .containsExactly("listeners[0].http.xff_num_trusted_hops: must be >= 0 (was -1)");
        assertThat(errors(withCluster("max_pending_requests: 3000000000")))
                .containsExactly(
                        "clusters[0].max_pending_requests: must be <= 2147483647 (was"
                                + " 3000000000)");
    }

    // ---- addresses

    @ParameterizedTest
    @CsvSource({
        "127.0.0.1:80, 127.0.0.1, 80",
        "'[::1]:8080', ::1, 8080",
        "'[2001:DB8::1]:443', 2001:db8::1, 443",
        "'[::ffff:10.0.0.1]:80', ::ffff:10.0.0.1, 80",
        "localhost:65535, localhost, 65535",
        "backend-1.svc.example.com:9000, backend-1.svc.example.com, 9000"
    })
    void parsesEndpointAddresses(String text, String host, int port) throws Exception {
        WeirConfig c = parse(CONTRACT.replace("127.0.0.1:8080", "\"" + text + "\""));

        assertThat(c.clusters().get(0).endpoints()).containsExactly(new HostPort(host, port));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "127.0.0.1",
                "127.0.0.1:",
                ":80",
                "host:65536",
                "host:-1",
                "host:8o",
                "::1:80",
                "[::1]80",
                "[fe80::1%eth0]:80",
                "[1:2:3:4:5:6:7:8:9]:80",
                "[::1::2]:80",
                "a_b:80",
                "-a.example:80",
                "a..example:80",
                "256.0.0.1:80",
                "10.0.0:80",
                "http://a:80",
                "8080"
            })
    void rejectsInvalidAddresses(String text) {
        assertThat(errors(CONTRACT.replace("127.0.0.1:8080", "'" + text + "'")))
                .containsExactly(
                        "clusters[0].endpoints[0].address: invalid address \""
                                + text
                                + "\" (expected HOST:PORT)");
    }

    @Test
    void endpointPortsMustNotBeZeroButListenerPortsMay() throws Exception {
        assertThat(errors(CONTRACT.replace("127.0.0.1:8080", "127.0.0.1:0")))
                .containsExactly(
                        "clusters[0].endpoints[0].address: invalid address \"127.0.0.1:0\" (port"
                                + " must be 1..65535)");

        WeirConfig c =
                parse(
                        CONTRACT.replace("127.0.0.1:10000", "127.0.0.1:0")
                                .replace("127.0.0.1:9901", "127.0.0.1:0"));
        assertThat(c.listeners().get(0).address().port()).isZero();
        assertThat(c.admin().address().port()).isZero();
    }

    @Test
    void theEndpointAddressRuleFromTheContract() {
        assertThat(errors(CONTRACT.replace("127.0.0.1:8080", "127.0.0.1")))
                .containsExactly(
                        "clusters[0].endpoints[0].address: invalid address \"127.0.0.1\" (expected"
                                + " HOST:PORT)");
    }

    @ParameterizedTest
    @CsvSource({
        "0, 0s",
        "250, 250ms",
        "1500, 1500ms",
        "15000, 15s",
        "90000, 90s",
        "120000, 2m",
        "3600000, 1h",
        "5400000, 90m"
    })
    void formatsDurationsInTheLargestExactUnit(long millis, String text) {
        assertThat(ConfigValues.formatDuration(Duration.ofMillis(millis))).isEqualTo(text);
        assertThat(ConfigValues.parseDuration(text)).isEqualTo(Duration.ofMillis(millis));
    }
}
