package io.weir.kernel.accesslog;

import io.weir.kernel.http1.HeaderMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A custom text format: Envoy's command operators ({@code %START_TIME%}, {@code %REQ(X?Y):N%}, ...)
 * between literal text, compiled once at config time. Immutable and thread-safe; equal when their
 * source strings are equal.
 *
 * <p>Commands: {@code START_TIME}, {@code REQ(H)} and {@code RESP(H)} (a header; {@code H?ALT}
 * falls back to {@code ALT}; {@code :METHOD}, {@code :PATH}, {@code :AUTHORITY}, {@code :SCHEME}
 * are the request's), {@code PROTOCOL}, {@code RESPONSE_CODE}, {@code RESPONSE_FLAGS}, {@code
 * RESPONSE_CODE_DETAILS}, {@code BYTES_RECEIVED}, {@code BYTES_SENT}, {@code DURATION}, {@code
 * UPSTREAM_HOST}, {@code UPSTREAM_CLUSTER}, {@code ROUTE_NAME}, {@code DOWNSTREAM_REMOTE_ADDRESS},
 * {@code TRACE_ID}. {@code REQ} and {@code RESP} take an optional maximum length ({@code
 * %REQ(USER-AGENT):20%}); {@code %%} is a literal percent sign. A value that is absent is {@code
 * -}; a line feed ends every entry (added when the format has none at its end).
 */
public final class TextFormat {
    /** Appends one part of a line. */
    private interface Part {
        void append(AccessLogEntry e, StringBuilder out);
    }

    private final String source;
    private final Part[] parts;
    private final boolean endsWithNewline;

    private TextFormat(String source, List<Part> parts) {
        this.source = source;
        this.parts = parts.toArray(new Part[0]);
        this.endsWithNewline = source.endsWith("\n");
    }

    /** The format as configured. */
    public String source() {
        return source;
    }

    /**
     * Compiles {@code format}.
     *
     * @throws IllegalArgumentException with a message naming the bad command and its offset
     */
    public static TextFormat compile(String format) {
        List<Part> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        int n = format.length();
        while (i < n) {
            char c = format.charAt(i);
            if (c != '%') {
                literal.append(c);
                i++;
                continue;
            }
            if (i + 1 < n && format.charAt(i + 1) == '%') {
                literal.append('%');
                i += 2;
                continue;
            }
            int end = commandEnd(format, i + 1);
            if (end < 0) {
                throw new IllegalArgumentException(
                        "unterminated command at offset " + i + " (a command is %NAME%)");
            }
            if (literal.length() > 0) {
                String text = literal.toString();
                parts.add((e, out) -> out.append(text));
                literal.setLength(0);
            }
            parts.add(command(format.substring(i + 1, end), i));
            i = end + 1;
        }
        if (literal.length() > 0) {
            String text = literal.toString();
            parts.add((e, out) -> out.append(text));
        }
        return new TextFormat(format, parts);
    }

    /** The index of the {@code %} closing a command started at {@code from}, or -1. */
    private static int commandEnd(String s, int from) {
        int depth = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == '%' && depth <= 0) {
                return i;
            } else if (c == '\n') {
                return -1;
            }
        }
        return -1;
    }

    private static Part command(String cmd, int offset) {
        Part p =
                switch (cmd) {
                    case "START_TIME" ->
                            (e, out) ->
                                    out.append(AccessLogFormatter.startTime(e.startEpochMillis()));
                    case "PROTOCOL" -> (e, out) -> AccessLogFormatter.textValue(out, e.protocol());
                    case "RESPONSE_CODE" -> (e, out) -> out.append(e.responseCode());
                    case "RESPONSE_FLAGS" ->
                            (e, out) -> out.append(ResponseFlag.format(e.responseFlags()));
                    case "RESPONSE_CODE_DETAILS" ->
                            (e, out) -> AccessLogFormatter.textValue(out, e.responseCodeDetails());
                    case "BYTES_RECEIVED" -> (e, out) -> out.append(e.bytesReceived());
                    case "BYTES_SENT" -> (e, out) -> out.append(e.bytesSent());
                    case "DURATION" -> (e, out) -> out.append(e.durationMs());
                    case "UPSTREAM_HOST" ->
                            (e, out) -> AccessLogFormatter.textValue(out, e.upstreamHost());
                    case "UPSTREAM_CLUSTER" ->
                            (e, out) -> AccessLogFormatter.textValue(out, e.clusterName());
                    case "ROUTE_NAME" ->
                            (e, out) -> AccessLogFormatter.textValue(out, e.routeName());
                    case "DOWNSTREAM_REMOTE_ADDRESS" ->
                            (e, out) ->
                                    AccessLogFormatter.textValue(out, e.downstreamRemoteAddress());
                    case "TRACE_ID" -> (e, out) -> AccessLogFormatter.textValue(out, e.traceId());
                    default -> null;
                };
        if (p != null) {
            return p;
        }
        boolean req = cmd.startsWith("REQ(");
        boolean resp = cmd.startsWith("RESP(");
        int close = cmd.indexOf(')');
        if ((req || resp) && close > 0) {
            String arg = cmd.substring(req ? 4 : 5, close);
            String rest = cmd.substring(close + 1);
            int max = -1;
            if (rest.startsWith(":")) {
                try {
                    max = Integer.parseInt(rest.substring(1));
                } catch (NumberFormatException ex) {
                    max = -1;
                }
                if (max <= 0) {
                    throw new IllegalArgumentException(
                            "invalid length in %" + cmd + "% at offset " + offset);
                }
            } else if (!rest.isEmpty()) {
                throw new IllegalArgumentException(
                        "unknown command %" + cmd + "% at offset " + offset);
            }
            String[] names = arg.split("\\?", -1);
            if (arg.isEmpty()
                    || names.length > 2
                    || names[0].isEmpty()
                    || names.length == 2 && names[1].isEmpty()) {
                throw new IllegalArgumentException(
                        "invalid header in %" + cmd + "% at offset " + offset);
            }
            String main = names[0].toLowerCase(Locale.ROOT);
            String alt = names.length == 2 ? names[1].toLowerCase(Locale.ROOT) : null;
            int limit = max;
            return (e, out) -> {
                String v = req ? request(e, main) : response(e, main);
                if (v == null && alt != null) {
                    v = req ? request(e, alt) : response(e, alt);
                }
                if (v != null && limit > 0 && v.length() > limit) {
                    v = v.substring(0, limit);
                }
                AccessLogFormatter.textValue(out, v);
            };
        }
        throw new IllegalArgumentException("unknown command %" + cmd + "% at offset " + offset);
    }

    private static String request(AccessLogEntry e, String name) {
        return switch (name) {
            case ":method" -> e.method();
            case ":path" -> e.path();
            case ":authority" -> e.authority();
            case ":scheme" -> "http";
            default -> header(e.requestHeaders(), name);
        };
    }

    private static String response(AccessLogEntry e, String name) {
        String v = header(e.responseHeaders(), name);
        if (v == null && name.equals("x-envoy-upstream-service-time")) {
            return e.upstreamServiceTimeMs() < 0 ? null : Long.toString(e.upstreamServiceTimeMs());
        }
        return v;
    }

    private static String header(HeaderMap h, String name) {
        return h == null ? null : h.get(name);
    }

    /** Appends one line for {@code e}. */
    void append(AccessLogEntry e, StringBuilder out) {
        for (Part p : parts) {
            p.append(e, out);
        }
        if (!endsWithNewline) {
            out.append('\n');
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TextFormat t && t.source.equals(source);
    }

    @Override
    public int hashCode() {
        return source.hashCode();
    }

    @Override
    public String toString() {
        return source;
    }
}
