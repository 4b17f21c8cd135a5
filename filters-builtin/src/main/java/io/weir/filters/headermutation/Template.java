package io.weir.filters.headermutation;

import io.weir.spi.ConfigNode;
import io.weir.spi.StreamContext;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A header value with Envoy-style {@code %NAME%} placeholders, parsed once at config time into
 * literal and dynamic parts. Immutable and thread-safe.
 */
final class Template {
    static final String KNOWN =
            "%REQUEST_ID%, %CLIENT_IP%, %DOWNSTREAM_REMOTE_ADDRESS%, %ROUTE_NAME%,"
                    + " %UPSTREAM_CLUSTER%, %REQ(header-name)%, %START_TIME%, or %% for a literal %";

    private static final DateTimeFormatter RFC_3339 =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
                    .withZone(ZoneOffset.UTC);

    private enum Kind {
        LITERAL,
        PROPERTY,
        CLIENT_IP,
        REQ,
        START_TIME
    }

    /** One part: a literal text, a property name, or a request header name. */
    private record Part(Kind kind, String arg) {}

    private final String source;
    private final List<Part> parts;
    private final String literal; // the whole value when it has no placeholder, else null

    private Template(String source, List<Part> parts) {
        this.source = source;
        this.parts = List.copyOf(parts);
        this.literal =
                parts.isEmpty()
                        ? ""
                        : parts.size() == 1 && parts.get(0).kind == Kind.LITERAL
                                ? parts.get(0).arg
                                : null;
    }

    /** A template that is just {@code text}, with no placeholders. */
    static Template literal(String text) {
        return new Template(text, List.of(new Part(Kind.LITERAL, text)));
    }

    /**
     * Parses {@code text}; on an unknown or malformed placeholder records an error at {@code node}
     * and returns null.
     */
    static Template parse(String text, ConfigNode node) {
        List<Part> parts = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '%') {
                lit.append(c);
                i++;
                continue;
            }
            if (i + 1 < text.length() && text.charAt(i + 1) == '%') {
                lit.append('%');
                i += 2;
                continue;
            }
            int end = text.indexOf('%', i + 1);
            if (end < 0) {
                node.error("unterminated \"%\" in \"" + text + "\" (write %% for a literal %)");
                return null;
            }
            String name = text.substring(i + 1, end);
            Part p = placeholder(name);
            if (p == null) {
                node.error(
                        "unknown placeholder \"%"
                                + name
                                + "%\" in \""
                                + text
                                + "\" (expected "
                                + KNOWN
                                + ")");
                return null;
            }
            if (p.kind == Kind.REQ && !isRequestHeaderName(p.arg)) {
                node.error(
                        "invalid header name \""
                                + p.arg
                                + "\" in \"%"
                                + name
                                + "%\" (expected an HTTP token or :authority, :method, :path,"
                                + " :scheme)");
                return null;
            }
            if (lit.length() > 0) {
                parts.add(new Part(Kind.LITERAL, lit.toString()));
                lit.setLength(0);
            }
            parts.add(p);
            i = end + 1;
        }
        if (lit.length() > 0) {
            parts.add(new Part(Kind.LITERAL, lit.toString()));
        }
        return new Template(text, parts);
    }

    private static Part placeholder(String name) {
        return switch (name) {
            case "REQUEST_ID" -> new Part(Kind.PROPERTY, "request.id");
            case "CLIENT_IP" -> new Part(Kind.CLIENT_IP, "source.address");
            case "DOWNSTREAM_REMOTE_ADDRESS" -> new Part(Kind.PROPERTY, "source.address");
            case "ROUTE_NAME" -> new Part(Kind.PROPERTY, "route_name");
            case "UPSTREAM_CLUSTER" -> new Part(Kind.PROPERTY, "cluster_name");
            case "START_TIME" -> new Part(Kind.START_TIME, null);
            default -> {
                if (name.startsWith("REQ(") && name.endsWith(")")) {
                    yield new Part(
                            Kind.REQ,
                            name.substring(4, name.length() - 1).toLowerCase(Locale.ROOT));
                }
                yield null;
            }
        };
    }

    private static boolean isRequestHeaderName(String n) {
        return switch (n) {
            case ":authority", ":method", ":path", ":scheme" -> true;
            default -> HeaderNames.isToken(n);
        };
    }

    /** Whether the value has no placeholder. */
    boolean isLiteral() {
        return literal != null;
    }

    /**
     * The value for one stream: a missing property or header gives an empty part. {@code
     * startMillis} is the stream's start on the injected clock.
     */
    String render(StreamContext ctx, long startMillis) {
        if (literal != null) {
            return literal;
        }
        StringBuilder out = new StringBuilder();
        for (Part p : parts) {
            switch (p.kind) {
                case LITERAL -> out.append(p.arg);
                case PROPERTY -> append(out, ctx.property(p.arg));
                case CLIENT_IP -> append(out, withoutPort(ctx.property(p.arg)));
                case REQ -> append(out, String.join(",", ctx.requestHeaders().getAll(p.arg)));
                case START_TIME -> out.append(RFC_3339.format(Instant.ofEpochMilli(startMillis)));
            }
        }
        return out.toString();
    }

    private static void append(StringBuilder out, String v) {
        if (v != null) {
            out.append(v);
        }
    }

    /**
     * {@code 10.0.0.7:5123} to {@code 10.0.0.7}; {@code [::1]:5123} and {@code ::1:5123} to ::1.
     */
    static String withoutPort(String address) {
        if (address == null) {
            return null;
        }
        if (address.startsWith("[")) {
            int close = address.indexOf(']');
            return close < 0 ? address : address.substring(1, close);
        }
        int colon = address.lastIndexOf(':');
        return colon < 0 ? address : address.substring(0, colon);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Template t && t.source.equals(source);
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
