package io.weir.filters.cors;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The config of {@code weir.cors} (bound by {@link CorsConfigBinder}). Immutable; shared by every
 * worker. The header values sent are rendered once here.
 */
final class CorsConfig {
    final Origins origins;
    final List<String> allowMethods;
    final List<String> allowHeaders;
    final List<String> exposeHeaders;
    final Duration maxAge;
    final boolean allowCredentials;
    final boolean forwardNotMatchingPreflights;

    // rendered once: null when the header is not sent
    final String allowMethodsValue;
    final String allowHeadersValue;
    final String exposeHeadersValue;
    final String maxAgeValue;
    private final boolean anyMethod;
    private final boolean anyHeader;
    private final Set<String> allowHeaderSet;

    CorsConfig(
            Origins origins,
            List<String> allowMethods,
            List<String> allowHeaders,
            List<String> exposeHeaders,
            Duration maxAge,
            boolean allowCredentials,
            boolean forwardNotMatchingPreflights) {
        if (allowCredentials && origins.any()) {
            throw new IllegalArgumentException("allow_credentials with allow_origins \"*\"");
        }
        if (allowCredentials && exposeHeaders.contains("*")) {
            throw new IllegalArgumentException("allow_credentials with expose_headers \"*\"");
        }
        if (maxAge != null && (maxAge.isNegative() || maxAge.getNano() != 0)) {
            throw new IllegalArgumentException("max_age must be whole seconds: " + maxAge);
        }
        this.origins = origins;
        this.allowMethods = List.copyOf(allowMethods);
        this.allowHeaders = List.copyOf(allowHeaders);
        this.exposeHeaders = List.copyOf(exposeHeaders);
        this.maxAge = maxAge;
        this.allowCredentials = allowCredentials;
        this.forwardNotMatchingPreflights = forwardNotMatchingPreflights;
        this.anyMethod = allowMethods.contains("*");
        this.anyHeader = allowHeaders.contains("*");
        this.allowHeaderSet = Set.copyOf(allowHeaders);
        this.allowMethodsValue = joinOrNull(this.allowMethods);
        this.allowHeadersValue = joinOrNull(this.allowHeaders);
        this.exposeHeadersValue = joinOrNull(this.exposeHeaders);
        this.maxAgeValue = maxAge == null ? null : Long.toString(maxAge.getSeconds());
    }

    /** Whether a preflight for {@code method} passes: listed, {@code *}, or CORS-safelisted. */
    boolean allowsMethod(String method) {
        return anyMethod
                || allowMethods.contains(method)
                || method.equals("GET")
                || method.equals("HEAD")
                || method.equals("POST");
    }

    /** Whether every name of an {@code Access-Control-Request-Headers} value is allowed. */
    boolean allowsHeaders(String requested) {
        if (requested == null || anyHeader) {
            return true;
        }
        for (String name : requested.split(",", -1)) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            if (!n.isEmpty() && !allowHeaderSet.contains(n)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code access-control-allow-origin} is {@code *} rather than the request's origin.
     */
    boolean wildcardOrigin() {
        return origins.any() && !allowCredentials;
    }

    /** Whether {@code allow_methods} has {@code *}: the preflight echoes the requested method. */
    boolean anyMethod() {
        return anyMethod;
    }

    /** Whether {@code allow_headers} has {@code *}: the preflight echoes the requested headers. */
    boolean anyHeader() {
        return anyHeader;
    }

    private static String joinOrNull(List<String> l) {
        return l.isEmpty() ? null : String.join(", ", l);
    }
}
