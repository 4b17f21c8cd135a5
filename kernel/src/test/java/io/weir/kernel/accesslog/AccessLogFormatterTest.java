package io.weir.kernel.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AccessLogFormatterTest {
    static final long START = 1460751420310L; // 2016-04-15T20:17:00.310Z

    static AccessLogEntry full() {
        return new AccessLogEntry(
                START,
                "POST",
                "/api/v1/locations",
                "HTTP/1.1",
                204,
                0,
                154,
                0,
                226,
                100,
                "10.0.35.28",
                "nsq2http",
                "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2",
                "locations",
                "10.0.2.1:80",
                "default",
                "backend",
                "10.0.35.28:51234",
                "via_upstream",
                null,
                null,
                null);
    }

    static AccessLogEntry empty() {
        return new AccessLogEntry(
                1460751420000L,
                "GET",
                "/",
                "HTTP/1.0",
                503,
                ResponseFlag.UH.bit() | ResponseFlag.UF.bit(),
                0,
                19,
                3,
                -1,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    private static String text(AccessLogEntry e) {
        StringBuilder sb = new StringBuilder();
        AccessLogFormatter.text(e, sb);
        return sb.toString();
    }

    private static String json(AccessLogEntry e) {
        StringBuilder sb = new StringBuilder();
        AccessLogFormatter.json(e, sb);
        return sb.toString();
    }

    @Test
    void textIsEnvoysDefaultFormat() {
        assertThat(text(full()))
                .isEqualTo(
                        "[2016-04-15T20:17:00.310Z] \"POST /api/v1/locations HTTP/1.1\" 204 - 154 0"
                                + " 226 100 \"10.0.35.28\" \"nsq2http\""
                                + " \"cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2\" \"locations\""
                                + " \"10.0.2.1:80\"\n");
    }

    @Test
    void textRendersMissingValuesAsDashesAndAlwaysThreeMillisDigits() {
        assertThat(text(empty()))
                .isEqualTo(
                        "[2016-04-15T20:17:00.000Z] \"GET / HTTP/1.0\" 503 UH,UF 0 19 3 -"
                                + " \"-\" \"-\" \"-\" \"-\" \"-\"\n");
    }

    @Test
    void textEscapesControlCharactersSoAnEntryIsOneLine() {
        AccessLogEntry e = full();
        e =
                new AccessLogEntry(
                        e.startEpochMillis(),
                        e.method(),
                        "/a\nb",
                        e.protocol(),
                        200,
                        0,
                        0,
                        0,
                        0,
                        -1,
                        null,
                        "ua\r\t\u0001",
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null);
        assertThat(text(e))
                .isEqualTo(
                        "[2016-04-15T20:17:00.310Z] \"POST /a\\x0ab HTTP/1.1\" 200 - 0 0 0 - \"-\""
                                + " \"ua\\x0d\\x09\\x01\" \"-\" \"-\" \"-\"\n");
    }

    @Test
    void jsonIsOneObjectPerLineWithSnakeCaseKeys() {
        assertThat(json(full()))
                .isEqualTo(
                        "{\"start_time\":\"2016-04-15T20:17:00.310Z\",\"method\":\"POST\","
                                + "\"path\":\"/api/v1/locations\",\"protocol\":\"HTTP/1.1\","
                                + "\"response_code\":204,\"response_flags\":\"-\","
                                + "\"bytes_received\":154,\"bytes_sent\":0,\"duration_ms\":226,"
                                + "\"upstream_service_time_ms\":100,"
                                + "\"x_forwarded_for\":\"10.0.35.28\",\"user_agent\":\"nsq2http\","
                                + "\"request_id\":\"cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2\","
                                + "\"authority\":\"locations\",\"upstream_host\":\"10.0.2.1:80\","
                                + "\"route_name\":\"default\",\"cluster_name\":\"backend\","
                                + "\"downstream_remote_address\":\"10.0.35.28:51234\","
                                + "\"response_code_details\":\"via_upstream\",\"trace_id\":null}\n");
    }

    @Test
    void jsonRendersMissingValuesAsNull() {
        assertThat(json(empty()))
                .isEqualTo(
                        "{\"start_time\":\"2016-04-15T20:17:00.000Z\",\"method\":\"GET\","
                                + "\"path\":\"/\",\"protocol\":\"HTTP/1.0\",\"response_code\":503,"
                                + "\"response_flags\":\"UH,UF\",\"bytes_received\":0,"
                                + "\"bytes_sent\":19,\"duration_ms\":3,"
                                + "\"upstream_service_time_ms\":null,\"x_forwarded_for\":null,"
                                + "\"user_agent\":null,\"request_id\":null,\"authority\":null,"
                                + "\"upstream_host\":null,\"route_name\":null,"
                                + "\"cluster_name\":null,\"downstream_remote_address\":null,"
                                + "\"response_code_details\":null,\"trace_id\":null}\n");
    }

    @Test
    void jsonEscapesQuotesBackslashesAndControlCharacters() {
        StringBuilder sb = new StringBuilder();
        AccessLogFormatter.escapeJson(
                sb, "a\"b\\c/d\ne\rf\tg\bh\fi\u0001j\u001fk\u007fl\u2028m\u00e9n\u4e2d");
        assertThat(sb.toString())
                .isEqualTo(
                        "a\\\"b\\\\c/d\\ne\\rf\\tg\\bh\\fi\\u0001j\\u001fk\\u007fl\\u2028m\u00e9n\u4e2d");
    }
}
