package io.weir.kernel.config;

import java.util.List;

/**
 * YAML keys: {@code name}, {@code domains} (exact {@code host} or {@code host:port}, a leading
 * {@code *.} suffix wildcard, a trailing {@code .*} prefix wildcard, or {@code *}), {@code routes},
 * {@code request_headers}, {@code response_headers} (see {@link HeaderMutations}), {@code
 * per_filter_config} (filter name to {@link FilterOverride}).
 */
public record VirtualHost(
        String name,
        List<String> domains,
        List<Route> routes,
        HeaderMutations requestHeaders,
        HeaderMutations responseHeaders,
        java.util.Map<String, FilterOverride> perFilterConfig) {}
