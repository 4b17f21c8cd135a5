package io.weir.kernel.config;

import com.google.re2j.Pattern;
import java.time.Duration;
import java.util.List;

/**
 * One route: YAML keys {@code name} (optional), {@code match}, exactly one of {@code route}, {@code
 * redirect}, {@code direct_response}, and optional {@code request_headers}, {@code
 * response_headers}, {@code per_filter_config} (filter name to {@link FilterOverride}; a route's
 * entry wins over its virtual host's).
 */
public record Route(
        String name,
        Match match,
        Action action,
        HeaderMutations requestHeaders,
        HeaderMutations responseHeaders,
        java.util.Map<String, FilterOverride> perFilterConfig) {

    /**
     * YAML keys: exactly one of {@code prefix}, {@code path}, {@code safe_regex} (RE2 syntax,
     * matched against the whole path without the query); then optional {@code headers}, {@code
     * query_parameters}, {@code methods}, {@code case_sensitive} (default true). All given parts
     * must match.
     */
    public record Match(
            String prefix,
            String path,
            Pattern safeRegex,
            boolean caseSensitive,
            List<HeaderMatcher> headers,
            List<QueryParameterMatcher> queryParameters,
            List<String> methods) {}

    /**
     * YAML {@code {name, exact | prefix | regex | present, invert}}. With none of the four, the
     * header must be present. {@code invert: true} negates the result.
     */
    public record HeaderMatcher(
            String name,
            String exact,
            String prefix,
            Pattern regex,
            Boolean present,
            boolean invert) {}

    /** YAML {@code {name, exact | prefix | regex | present}}; none of the four = present. */
    public record QueryParameterMatcher(
            String name, String exact, String prefix, Pattern regex, Boolean present) {}

    /** What a matched route does. */
    public sealed interface Action permits Forward, Redirect, DirectResponse {}

    /**
     * YAML {@code route: {cluster | weighted_clusters, timeout, prefix_rewrite, host_rewrite}}.
     * {@code timeout} defaults to 15s, {@code 0s} disables it; it runs from the end of the
     * downstream request to the end of the upstream response. {@code weighted_clusters} is a list
     * of {@code {name, weight}} with weights &gt; 0.
     *
     * <p>As loaded: exactly one of {@code cluster} (else null) and {@code weightedClusters} (else
     * empty) is set; {@code prefixRewrite} and {@code hostRewrite} are null when absent.
     */
    public record Forward(
            String cluster,
            List<WeightedCluster> weightedClusters,
            Duration timeout,
            String prefixRewrite,
            String hostRewrite)
            implements Action {}

    /** One entry of {@code weighted_clusters}. */
    public record WeightedCluster(String name, int weight) {}

    /**
     * YAML {@code redirect: {scheme_redirect, host_redirect, port_redirect, path_redirect,
     * prefix_rewrite, response_code (301 | 302 | 303 | 307 | 308, default 301), strip_query}}.
     * Absent strings are null and an absent {@code port_redirect} is 0, meaning "keep the
     * request's".
     */
    public record Redirect(
            String schemeRedirect,
            String hostRedirect,
            int portRedirect,
            String pathRedirect,
            String prefixRewrite,
            int responseCode,
            boolean stripQuery)
            implements Action {}

    /** YAML {@code direct_response: {status, body}}; body optional, {@code ""} when absent. */
    public record DirectResponse(int status, String body) implements Action {}
}
