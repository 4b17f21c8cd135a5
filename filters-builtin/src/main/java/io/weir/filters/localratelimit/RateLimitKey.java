package io.weir.filters.localratelimit;

import io.weir.spi.Headers;
import io.weir.spi.StreamContext;

/**
 * What picks a request's bucket: {@code client_ip} (the property {@code source.address} without its
 * port), {@code header:NAME} (the header's first value) or {@code route} (the property {@code
 * route_name}). A request without the value (no such header, an unnamed route) uses the bucket of
 * the empty key {@code ""}, shared by all such requests: leaving the header out does not escape the
 * limit. Immutable.
 *
 * @param kind what the key is
 * @param header the header name, lower case, for {@link Kind#HEADER}
 */
record RateLimitKey(Kind kind, String header) {
    enum Kind {
        CLIENT_IP,
        HEADER,
        ROUTE
    }

    private static final String HEADER_PREFIX = "header:";

    /** Parses {@code client_ip}, {@code route} or {@code header:NAME}; null when invalid. */
    static RateLimitKey parse(String s) {
        if (s.equals("client_ip")) {
            return new RateLimitKey(Kind.CLIENT_IP, null);
        }
        if (s.equals("route")) {
            return new RateLimitKey(Kind.ROUTE, null);
        }
        if (s.startsWith(HEADER_PREFIX)
                && LocalRateLimitConfig.isHeaderName(s.substring(HEADER_PREFIX.length()))) {
            return new RateLimitKey(Kind.HEADER, s.substring(HEADER_PREFIX.length()));
        }
        return null;
    }

    /** This request's key; {@code ""} when the request has no value for it. */
    String of(StreamContext ctx, Headers requestHeaders) {
        String v =
                switch (kind) {
                    case CLIENT_IP -> withoutPort(ctx.property("source.address"));
                    case HEADER -> requestHeaders.get(header);
                    case ROUTE -> ctx.property("route_name");
                };
        return v == null ? "" : v;
    }

    /**
     * {@code 10.0.0.7:5123} -> {@code 10.0.0.7}, {@code [::1]:5123} and {@code
     * 0:0:0:0:0:0:0:1:5123} -> the IPv6 address; null stays null.
     */
    static String withoutPort(String address) {
        if (address == null) {
            return null;
        }
        if (address.startsWith("[")) {
            int end = address.indexOf(']');
            return end < 0 ? address : address.substring(1, end);
        }
        int colon = address.lastIndexOf(':');
        return colon < 0 ? address : address.substring(0, colon);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case CLIENT_IP -> "client_ip";
            case HEADER -> HEADER_PREFIX + header;
            case ROUTE -> "route";
        };
    }
}
