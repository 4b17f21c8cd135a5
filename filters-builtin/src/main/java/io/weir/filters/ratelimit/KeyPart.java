package io.weir.filters.ratelimit;

import io.weir.spi.ConfigNode;
import io.weir.spi.Headers;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * One part of a counter's key ({@code key:} in the config): the client's IP, a request header's
 * value, or the route's name. Immutable.
 *
 * @param kind which
 * @param header the header's name in lower case, for {@link Kind#HEADER}; else null
 */
record KeyPart(Kind kind, String header) {
    enum Kind {
        CLIENT_IP,
        HEADER,
        ROUTE
    }

    static final KeyPart CLIENT_IP = new KeyPart(Kind.CLIENT_IP, null);

    /** Its value for one request: "" when the header, route name or address is missing. */
    String value(Headers headers, UnaryOperator<String> property) {
        String v =
                switch (kind) {
                    case CLIENT_IP -> withoutPort(property.apply("source.address"));
                    case ROUTE -> property.apply("route_name");
                    case HEADER -> headers.get(header);
                };
        return v == null ? "" : v;
    }

    private static String withoutPort(String address) {
        int colon = address == null ? -1 : address.lastIndexOf(':');
        return colon < 0 ? address : address.substring(0, colon);
    }

    /**
     * {@code weir:rl:<filter name>:<part>|<part>...}, with {@code \} and {@code |} in a part
     * escaped with a backslash so that two different lists of parts never make the same key.
     */
    static String redisKey(
            String filterName,
            List<KeyPart> parts,
            Headers headers,
            UnaryOperator<String> property) {
        StringBuilder sb = new StringBuilder(64).append("weir:rl:").append(filterName).append(':');
        for (int i = 0; i < parts.size(); i++) {
            if (i > 0) {
                sb.append('|');
            }
            String v = parts.get(i).value(headers, property);
            for (int j = 0; j < v.length(); j++) {
                char c = v.charAt(j);
                if (c == '|' || c == '\\') {
                    sb.append('\\');
                }
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * Binds {@code key:}: one part or a list of them; {@code client_ip} when missing. An invalid
     * part is reported and stands as a null element.
     */
    static List<KeyPart> parse(ConfigNode node) {
        if (node.isMissing()) {
            return List.of(CLIENT_IP);
        }
        List<KeyPart> parts = new ArrayList<>();
        if (node.raw() instanceof List<?> l) {
            if (l.isEmpty()) {
                node.error("must not be empty");
            }
            for (ConfigNode e : node.list()) {
                parts.add(one(e));
            }
        } else {
            parts.add(one(node));
        }
        return parts;
    }

    private static KeyPart one(ConfigNode node) {
        String s = node.asString(null);
        if (s == null) {
            if (node.isMissing()) {
                node.error("is required");
            }
            return null;
        }
        if (s.equals("client_ip")) {
            return CLIENT_IP;
        }
        if (s.equals("route")) {
            return new KeyPart(Kind.ROUTE, null);
        }
        if (s.startsWith("header:")) {
            String name = s.substring("header:".length());
            if (!name.isEmpty() && name.chars().allMatch(KeyPart::isTokenChar)) {
                return new KeyPart(Kind.HEADER, name.toLowerCase(Locale.ROOT));
            }
            node.error(
                    "expected a header name after header:, such as header:x-api-key (was \""
                            + s
                            + "\")");
            return null;
        }
        node.error("expected client_ip, route or header:NAME (was \"" + s + "\")");
        return null;
    }

    /** RFC 9110 token characters. */
    private static boolean isTokenChar(int c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
