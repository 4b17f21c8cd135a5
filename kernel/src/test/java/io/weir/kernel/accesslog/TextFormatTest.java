package io.weir.kernel.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.kernel.http1.HeaderMap;
import org.junit.jupiter.api.Test;

class TextFormatTest {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

    private static AccessLogEntry entry(String traceId) {
        HeaderMap req = new HeaderMap();
        req.add("user-agent", "curl/8.5.0");
        req.add("x-original", "/orig");
        HeaderMap resp = new HeaderMap();
        resp.add("content-type", "text/plain");
        return new AccessLogEntry(
                AccessLogFormatterTest.START,
                "GET",
                "/api",
                "HTTP/1.1",
                503,
                ResponseFlag.UH.bit(),
                5,
                19,
                42,
                -1,
                null,
                "curl/8.5.0",
                "rid",
                "example.com",
                null,
                "api-route",
                "backend",
                "127.0.0.1:5000",
                "no_healthy_upstream",
                traceId,
                req,
                resp);
    }

    private static String format(String fmt, AccessLogEntry e) {
        StringBuilder sb = new StringBuilder();
        AccessLogFormatter.append(null, TextFormat.compile(fmt), e, sb);
        return sb.toString();
    }

    @Test
    void rendersEveryCommand() {
        assertThat(
                        format(
                                "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ORIGINAL?:PATH)%"
                                        + " %PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS%"
                                        + " %BYTES_RECEIVED% %BYTES_SENT% %DURATION%"
                                        + " %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% %RESP(content-type)%"
                                        + " %REQ(USER-AGENT):4% %REQ(:AUTHORITY)% %UPSTREAM_HOST%"
                                        + " %UPSTREAM_CLUSTER% %ROUTE_NAME%"
                                        + " %DOWNSTREAM_REMOTE_ADDRESS% %RESPONSE_CODE_DETAILS%"
                                        + " trace=%TRACE_ID% 100%%",
                                entry(TRACE)))
                .isEqualTo(
                        "[2016-04-15T20:17:00.310Z] \"GET /orig HTTP/1.1\" 503 UH 5 19 42 -"
                                + " text/plain curl example.com - backend api-route 127.0.0.1:5000"
                                + " no_healthy_upstream trace="
                                + TRACE
                                + " 100%\n");
    }

    @Test
    void anUntracedRequestHasADashAndAFinalLineFeedIsNotDoubled() {
        assertThat(format("%TRACE_ID% %REQ(X-MISSING)%\n", entry(null))).isEqualTo("- -\n");
        assertThat(format("%REQ(X-MISSING?USER-AGENT)%", entry(null))).isEqualTo("curl/8.5.0\n");
    }

    @Test
    void rejectsBadCommandsNamingTheirOffset() {
        assertThatThrownBy(() -> TextFormat.compile("x %FOO% y"))
                .hasMessage("unknown command %FOO% at offset 2");
        assertThatThrownBy(() -> TextFormat.compile("%START_TIME"))
                .hasMessage("unterminated command at offset 0 (a command is %NAME%)");
        assertThatThrownBy(() -> TextFormat.compile("%REQ(A):0%"))
                .hasMessage("invalid length in %REQ(A):0% at offset 0");
        assertThatThrownBy(() -> TextFormat.compile("%REQ()%"))
                .hasMessage("invalid header in %REQ()% at offset 0");
        assertThatThrownBy(() -> TextFormat.compile("%RESP(A?B?C)%"))
                .hasMessage("invalid header in %RESP(A?B?C)% at offset 0");
    }

    @Test
    void jsonHasTheTraceIdOrNull() {
        StringBuilder sb = new StringBuilder();
        AccessLogFormatter.json(entry(TRACE), sb);
        assertThat(sb.toString()).endsWith(",\"trace_id\":\"" + TRACE + "\"}\n");
    }
}
