package io.weir.filters.rbac;

import io.weir.spi.Headers;
import io.weir.spi.StreamContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the policies look at for one request, read lazily and at most once: the path, method, host,
 * addresses, headers and the verified JWT's claims ({@code jwt.payload} metadata set by {@code
 * weir.jwt_authn}). Stream's worker only.
 */
final class RequestView {
    static final String JWT_PAYLOAD = "jwt.payload";

    private final StreamContext ctx;
    private final Headers headers;
    private byte[] sourceIp;
    private boolean sourceRead;
    private byte[] destinationIp;
    private boolean destinationRead;
    private Map<?, ?> claims;
    private boolean claimsRead;

    RequestView(StreamContext ctx, Headers headers) {
        this.ctx = ctx;
        this.headers = headers;
    }

    /** The path without the query. */
    String urlPath() {
        String p = headers.get(":path");
        if (p == null) {
            return null;
        }
        int q = p.indexOf('?');
        return q < 0 ? p : p.substring(0, q);
    }

    String method() {
        return headers.get(":method");
    }

    String host() {
        return headers.get(":authority");
    }

    String destinationPort() {
        return ctx.property("destination.port");
    }

    byte[] sourceIp() {
        if (!sourceRead) {
            sourceRead = true;
            sourceIp = IpBlock.fromAddressWithPort(ctx.property("source.address"));
        }
        return sourceIp;
    }

    byte[] destinationIp() {
        if (!destinationRead) {
            destinationRead = true;
            destinationIp = IpBlock.fromAddressWithPort(ctx.property("destination.address"));
        }
        return destinationIp;
    }

    List<String> header(String name) {
        return headers.getAll(name);
    }

    /** Istio's request principal, {@code iss/sub} of the verified JWT, or null. */
    String principal() {
        Map<?, ?> c = claims();
        if (c != null && c.get("iss") instanceof String iss && c.get("sub") instanceof String sub) {
            return iss + "/" + sub;
        }
        return null;
    }

    /**
     * The values of the claim at {@code path} (nested maps for more than one name): a string, a
     * number or a boolean as one value, a list as its elements; empty when absent.
     */
    List<String> claim(List<String> path) {
        Object v = claims();
        for (String name : path) {
            v = v instanceof Map<?, ?> m ? m.get(name) : null;
        }
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> l) {
            l.forEach(e -> addScalar(out, e));
        } else {
            addScalar(out, v);
        }
        return out;
    }

    private static void addScalar(List<String> out, Object v) {
        if (v instanceof String || v instanceof Number || v instanceof Boolean) {
            out.add(String.valueOf(v));
        }
    }

    private Map<?, ?> claims() {
        if (!claimsRead) {
            claimsRead = true;
            claims = ctx.metadata(JWT_PAYLOAD) instanceof Map<?, ?> m ? m : null;
        }
        return claims;
    }
}
