package io.weir.kernel.accesslog;

import io.weir.kernel.config.ListenerConfig.AccessLogConfig.Format;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Formats entries as lines, each ending in {@code \n}. Used by the writer thread only, but
 * stateless and thread-safe.
 */
final class AccessLogFormatter {
    private static final DateTimeFormatter START_TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private AccessLogFormatter() {}

    static void append(Format format, TextFormat custom, AccessLogEntry e, StringBuilder out) {
        if (custom != null) {
            custom.append(e, out);
        } else if (format == Format.JSON) {
            json(e, out);
        } else {
            text(e, out);
        }
    }

    /** {@code 2024-05-01T12:00:00.123Z}: ISO-8601, UTC, always three fraction digits. */
    static String startTime(long epochMillis) {
        return START_TIME.format(Instant.ofEpochMilli(epochMillis));
    }

    /**
     * Envoy's default format:
     *
     * <pre>{@code
     * [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE%
     * %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%
     * "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%"
     * "%UPSTREAM_HOST%"
     * }</pre>
     *
     * Missing values are {@code -}. Control characters in values are written as {@code \xHH} so
     * that one entry is always one line.
     */
    static void text(AccessLogEntry e, StringBuilder out) {
        out.append('[').append(startTime(e.startEpochMillis())).append("] \"");
        textValue(out, e.method());
        out.append(' ');
        textValue(out, e.path());
        out.append(' ');
        textValue(out, e.protocol());
        out.append("\" ").append(e.responseCode());
        out.append(' ').append(ResponseFlag.format(e.responseFlags()));
        out.append(' ').append(e.bytesReceived());
        out.append(' ').append(e.bytesSent());
        out.append(' ').append(e.durationMs());
        out.append(' ');
        if (e.upstreamServiceTimeMs() < 0) {
            out.append('-');
        } else {
            out.append(e.upstreamServiceTimeMs());
        }
        out.append(" \"");
        textValue(out, e.xForwardedFor());
        out.append("\" \"");
        textValue(out, e.userAgent());
        out.append("\" \"");
        textValue(out, e.requestId());
        out.append("\" \"");
        textValue(out, e.authority());
        out.append("\" \"");
        textValue(out, e.upstreamHost());
        out.append("\"\n");
    }

    static void textValue(StringBuilder out, String v) {
        if (v == null || v.isEmpty()) {
            out.append('-');
            return;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                out.append("\\x").append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
            } else {
                out.append(c);
            }
        }
    }

    /** One JSON object on one line, keys in a fixed order; missing strings are {@code null}. */
    static void json(AccessLogEntry e, StringBuilder out) {
        out.append("{\"start_time\":\"").append(startTime(e.startEpochMillis())).append('"');
        jsonString(out, "method", e.method());
        jsonString(out, "path", e.path());
        jsonString(out, "protocol", e.protocol());
        out.append(",\"response_code\":").append(e.responseCode());
        out.append(",\"response_flags\":\"").append(ResponseFlag.format(e.responseFlags()));
        out.append('"');
        out.append(",\"bytes_received\":").append(e.bytesReceived());
        out.append(",\"bytes_sent\":").append(e.bytesSent());
        out.append(",\"duration_ms\":").append(e.durationMs());
        out.append(",\"upstream_service_time_ms\":");
        if (e.upstreamServiceTimeMs() < 0) {
            out.append("null");
        } else {
            out.append(e.upstreamServiceTimeMs());
        }
        jsonString(out, "x_forwarded_for", e.xForwardedFor());
        jsonString(out, "user_agent", e.userAgent());
        jsonString(out, "request_id", e.requestId());
        jsonString(out, "authority", e.authority());
        jsonString(out, "upstream_host", e.upstreamHost());
        jsonString(out, "route_name", e.routeName());
        jsonString(out, "cluster_name", e.clusterName());
        jsonString(out, "downstream_remote_address", e.downstreamRemoteAddress());
        jsonString(out, "response_code_details", e.responseCodeDetails());
        jsonString(out, "trace_id", e.traceId());
        out.append("}\n");
    }

    private static void jsonString(StringBuilder out, String key, String v) {
        out.append(",\"").append(key).append("\":");
        if (v == null) {
            out.append("null");
            return;
        }
        out.append('"');
        escapeJson(out, v);
        out.append('"');
    }

    /**
     * JSON string escaping (RFC 8259): quote, backslash and control characters; also U+2028 and
     * U+2029 so the line is valid JavaScript too. Everything else is written as is (UTF-8).
     */
    static void escapeJson(StringBuilder out, String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        out.append("\\u")
                                .append(HEX[(c >> 12) & 0xf])
                                .append(HEX[(c >> 8) & 0xf])
                                .append(HEX[(c >> 4) & 0xf])
                                .append(HEX[c & 0xf]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
    }
}
