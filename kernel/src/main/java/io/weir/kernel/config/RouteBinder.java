package io.weir.kernel.config;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.weir.kernel.config.Route.Action;
import io.weir.kernel.config.Route.DirectResponse;
import io.weir.kernel.config.Route.Forward;
import io.weir.kernel.config.Route.HeaderMatcher;
import io.weir.kernel.config.Route.Match;
import io.weir.kernel.config.Route.QueryParameterMatcher;
import io.weir.kernel.config.Route.Redirect;
import io.weir.kernel.config.Route.WeightedCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Binds the {@code virtual_hosts} of one listener: domains, routes, matchers, actions and header
 * mutations. Cluster names used by routes are collected for {@link WeirBinder} to check once every
 * cluster is known.
 */
final class RouteBinder {
    static final Duration DEFAULT_ROUTE_TIMEOUT = Duration.ofSeconds(15);
    static final int DEFAULT_REDIRECT_CODE = 301;
    static final String UNSAFE_VALUE = "invalid header value (must not contain CR, LF or NUL)";

    private static final Set<Long> REDIRECT_CODES = Set.of(301L, 302L, 303L, 307L, 308L);
    private static final List<String> SCHEMES = List.of("http", "https");

    private final List<WeirBinder.ClusterRef> clusterRefs;

    private final FilterBinder filters;

    RouteBinder(List<WeirBinder.ClusterRef> clusterRefs, FilterBinder filters) {
        this.filters = filters;
        this.clusterRefs = clusterRefs;
    }

    /** The virtual hosts of one listener; their names and domains are unique in it. */
    List<VirtualHost> virtualHosts(Node n) {
        List<VirtualHost> out = new ArrayList<>();
        WeirBinder.Unique names = new WeirBinder.Unique("virtual host name");
        WeirBinder.Unique domains = new WeirBinder.Unique("domain");
        for (Node v : n.nonEmptyList()) {
            out.add(virtualHost(v, names, domains));
        }
        return WeirBinder.immutable(out);
    }

    private VirtualHost virtualHost(Node n, WeirBinder.Unique names, WeirBinder.Unique domains) {
        Node.Struct s =
                n.requiredStruct(
                        "name",
                        "domains",
                        "routes",
                        "request_headers",
                        "response_headers",
                        "per_filter_config");
        if (s == null) {
            return null;
        }
        String name = WeirBinder.name(s.get("name"));
        names.add(name, name, s.get("name"));
        List<String> domainList = new ArrayList<>();
        for (Node d : s.get("domains").nonEmptyList()) {
            String domain = domain(d);
            domains.add(domain, domain, d);
            domainList.add(domain);
        }
        List<Route> routes = new ArrayList<>();
        for (Node r : s.get("routes").nonEmptyList()) {
            routes.add(route(r));
        }
        return new VirtualHost(
                name,
                WeirBinder.immutable(domainList),
                WeirBinder.immutable(routes),
                headerMutations(s.get("request_headers")),
                headerMutations(s.get("response_headers")),
                filters.overrides(s.get("per_filter_config")));
    }

    /** {@code host}, {@code host:port}, {@code *.suffix}, {@code prefix.*} or {@code *}. */
    private static String domain(Node n) {
        String d = n.requiredString();
        if (d == null) {
            return null;
        }
        String lower = d.toLowerCase(Locale.ROOT);
        String host = lower;
        if (host.startsWith("*.")) {
            host = host.substring(2);
        } else if (host.endsWith(".*")) {
            host = host.substring(0, host.length() - 2);
        }
        if (lower.equals("*")) {
            return lower;
        }
        boolean ok = !host.isEmpty();
        for (int i = 0; ok && i < host.length(); i++) {
            char c = host.charAt(i);
            ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "-._:[]".indexOf(c) >= 0;
        }
        if (!ok) {
            n.error(
                    "invalid domain "
                            + Node.quote(d)
                            + " (expected HOST, HOST:PORT, *.SUFFIX, PREFIX.* or *)");
            return null;
        }
        return lower;
    }

    private Route route(Node n) {
        Node.Struct s =
                n.requiredStruct(
                        "name",
                        "match",
                        "route",
                        "redirect",
                        "direct_response",
                        "request_headers",
                        "response_headers",
                        "per_filter_config");
        if (s == null) {
            return null;
        }
        String name = s.get("name").isPresent() ? WeirBinder.name(s.get("name")) : null;
        Match match = match(s.get("match"));
        List<String> actions = s.present("route", "redirect", "direct_response");
        if (actions.size() != 1) {
            n.error(exactlyOne(actions, "route", "redirect", "direct_response"));
        }
        Action action = null;
        if (s.get("route").isPresent()) {
            action = forward(s.get("route"));
        }
        if (s.get("redirect").isPresent()) {
            action = redirect(s.get("redirect"));
        }
        if (s.get("direct_response").isPresent()) {
            action = directResponse(s.get("direct_response"));
        }
        return new Route(
                name,
                match,
                action,
                headerMutations(s.get("request_headers")),
                headerMutations(s.get("response_headers")),
                filters.overrides(s.get("per_filter_config")));
    }

    private static Match match(Node n) {
        Node.Struct s =
                n.requiredStruct(
                        "prefix",
                        "path",
                        "safe_regex",
                        "case_sensitive",
                        "headers",
                        "query_parameters",
                        "methods");
        if (s == null) {
            return null;
        }
        List<String> kinds = s.present("prefix", "path", "safe_regex");
        if (kinds.size() != 1) {
            n.error(exactlyOne(kinds, "prefix", "path", "safe_regex"));
        }
        boolean caseSensitive = s.get("case_sensitive").bool(true);
        String prefix = absolutePath(s.get("prefix"));
        String path = absolutePath(s.get("path"));
        Pattern safeRegex = regex(s.get("safe_regex"), caseSensitive);
        List<HeaderMatcher> headers = new ArrayList<>();
        for (Node h : s.get("headers").list()) {
            headers.add(headerMatcher(h));
        }
        List<QueryParameterMatcher> params = new ArrayList<>();
        for (Node q : s.get("query_parameters").list()) {
            params.add(queryParameterMatcher(q));
        }
        List<String> methods = new ArrayList<>();
        for (Node m : s.get("methods").list()) {
            String method = m.requiredString();
            if (method != null
                    && !(ConfigValues.isToken(method)
                            && method.equals(method.toUpperCase(Locale.ROOT)))) {
                m.error("must be an upper-case HTTP method (was " + Node.quote(method) + ")");
            }
            methods.add(method);
        }
        return new Match(
                prefix,
                path,
                safeRegex,
                caseSensitive,
                WeirBinder.immutable(headers),
                WeirBinder.immutable(params),
                WeirBinder.immutable(methods));
    }

    private static HeaderMatcher headerMatcher(Node n) {
        Node.Struct s = n.requiredStruct("name", "exact", "prefix", "regex", "present", "invert");
        if (s == null) {
            return null;
        }
        Node nameNode = s.get("name");
        String name = nameNode.requiredString();
        if (name != null) {
            name = headerName(nameNode, name);
        }
        atMostOne(s, "exact", "prefix", "regex", "present");
        return new HeaderMatcher(
                name,
                headerValue(s.get("exact")),
                headerValue(s.get("prefix")),
                regex(s.get("regex"), true),
                s.get("present").optionalBool(),
                s.get("invert").bool(false));
    }

    private static QueryParameterMatcher queryParameterMatcher(Node n) {
        Node.Struct s = n.requiredStruct("name", "exact", "prefix", "regex", "present");
        if (s == null) {
            return null;
        }
        String name = s.get("name").requiredString();
        atMostOne(s, "exact", "prefix", "regex", "present");
        return new QueryParameterMatcher(
                name,
                s.get("exact").string(),
                s.get("prefix").string(),
                regex(s.get("regex"), true),
                s.get("present").optionalBool());
    }

    private Forward forward(Node n) {
        Node.Struct s =
                n.requiredStruct(
                        "cluster",
                        "weighted_clusters",
                        "timeout",
                        "prefix_rewrite",
                        "host_rewrite");
        if (s == null) {
            return null;
        }
        List<String> targets = s.present("cluster", "weighted_clusters");
        if (targets.size() != 1) {
            n.error(exactlyOne(targets, "cluster", "weighted_clusters"));
        }
        Node clusterNode = s.get("cluster");
        String cluster = clusterNode.isPresent() ? clusterNode.requiredString() : null;
        if (cluster != null) {
            clusterRefs.add(new WeirBinder.ClusterRef(clusterNode, cluster));
        }
        List<WeightedCluster> weighted = new ArrayList<>();
        Node weightedNode = s.get("weighted_clusters");
        for (Node w : weightedNode.isPresent() ? weightedNode.nonEmptyList() : List.<Node>of()) {
            weighted.add(weightedCluster(w));
        }
        Duration timeout = s.get("timeout").duration(DEFAULT_ROUTE_TIMEOUT, true);
        String prefixRewrite = absolutePath(s.get("prefix_rewrite"));
        String hostRewrite = host(s.get("host_rewrite"), true);
        return new Forward(
                cluster, WeirBinder.immutable(weighted), timeout, prefixRewrite, hostRewrite);
    }

    private WeightedCluster weightedCluster(Node n) {
        Node.Struct s = n.requiredStruct("name", "weight");
        if (s == null) {
            return null;
        }
        Node nameNode = s.get("name");
        String name = nameNode.requiredString();
        if (name != null) {
            clusterRefs.add(new WeirBinder.ClusterRef(nameNode, name));
        }
        Node weightNode = s.get("weight");
        if (!weightNode.isPresent()) {
            weightNode.error("required");
        }
        return new WeightedCluster(name, weightNode.intAtLeast(1, 0));
    }

    private static Redirect redirect(Node n) {
        Node.Struct s =
                n.requiredStruct(
                        "scheme_redirect",
                        "host_redirect",
                        "port_redirect",
                        "path_redirect",
                        "prefix_rewrite",
                        "response_code",
                        "strip_query");
        if (s == null) {
            return null;
        }
        String[] targets = {
            "scheme_redirect", "host_redirect", "port_redirect", "path_redirect", "prefix_rewrite"
        };
        if (s.present(targets).isEmpty()) {
            n.error("expected at least one of " + String.join(", ", targets));
        }
        atMostOne(s, "path_redirect", "prefix_rewrite");
        String scheme = s.get("scheme_redirect").oneOf(SCHEMES, null);
        String host = host(s.get("host_redirect"), false);
        int port = s.get("port_redirect").intInRange(1, 65535, 0);
        String path = absolutePath(s.get("path_redirect"));
        String prefixRewrite = absolutePath(s.get("prefix_rewrite"));
        Node codeNode = s.get("response_code");
        Long rawCode = codeNode.integer();
        int code = DEFAULT_REDIRECT_CODE;
        if (rawCode != null && REDIRECT_CODES.contains(rawCode)) {
            code = rawCode.intValue();
        } else if (rawCode != null) {
            codeNode.error("must be one of 301, 302, 303, 307, 308 (was " + rawCode + ")");
        }
        boolean stripQuery = s.get("strip_query").bool(false);
        return new Redirect(scheme, host, port, path, prefixRewrite, code, stripQuery);
    }

    private static DirectResponse directResponse(Node n) {
        Node.Struct s = n.requiredStruct("status", "body");
        if (s == null) {
            return null;
        }
        Node statusNode = s.get("status");
        if (!statusNode.isPresent()) {
            statusNode.error("required");
        }
        int status = statusNode.intInRange(100, 599, 0);
        String body = s.get("body").string();
        return new DirectResponse(status, body == null ? "" : body);
    }

    /** A mapping of {@code add}, {@code set}, {@code remove}; {@link HeaderMutations#NONE}. */
    HeaderMutations headerMutations(Node n) {
        Node.Struct s = n.struct("add", "set", "remove");
        if (s == null) {
            return HeaderMutations.NONE;
        }
        Map<String, String> add = headerMap(s.get("add"));
        Map<String, String> set = headerMap(s.get("set"));
        List<String> remove = new ArrayList<>();
        for (Node r : s.get("remove").list()) {
            String name = r.requiredString();
            if (name != null) {
                remove.add(mutableHeaderName(r, name));
            }
        }
        return new HeaderMutations(add, set, WeirBinder.immutable(remove));
    }

    private static Map<String, String> headerMap(Node n) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Node e : n.entries()) {
            String name = mutableHeaderName(e, e.key());
            String value = e.isPresent() ? e.string() : null;
            if (!e.isPresent()) {
                e.expected("a string");
            } else if (value != null && !ConfigValues.isSafeHeaderValue(value)) {
                e.error(UNSAFE_VALUE);
            }
            if (name != null && value != null && out.putIfAbsent(name, value) != null) {
                e.error("duplicate header " + Node.quote(name));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** A header name that config may add, set or remove: lower-cased, not a framing header. */
    private static String mutableHeaderName(Node n, String name) {
        String lower = headerName(n, name);
        if (lower != null && ConfigValues.FRAMING_HEADERS.contains(lower)) {
            n.error("cannot modify framing header " + Node.quote(lower));
            return null;
        }
        return lower;
    }

    /** A valid HTTP token, lower-cased; null (and an error) otherwise. */
    private static String headerName(Node n, String name) {
        if (!ConfigValues.isToken(name)) {
            n.error("invalid header name " + Node.quote(name) + " (expected an HTTP token)");
            return null;
        }
        return name.toLowerCase(Locale.ROOT);
    }

    private static String headerValue(Node n) {
        String v = n.string();
        if (v != null && !ConfigValues.isSafeHeaderValue(v)) {
            n.error(UNSAFE_VALUE);
        }
        return v;
    }

    /** An optional string starting with {@code /}. */
    private static String absolutePath(Node n) {
        String p = n.string();
        if (p != null && !p.startsWith("/")) {
            n.error("must start with \"/\" (was " + Node.quote(p) + ")");
            return null;
        }
        if (p != null && !ConfigValues.isSafeHeaderValue(p)) {
            n.error("must not contain CR, LF or NUL");
            return null;
        }
        return p;
    }

    /** An optional host name or IP literal, and with {@code portAllowed} also HOST:PORT. */
    private static String host(Node n, boolean portAllowed) {
        String h = n.string();
        if (h == null) {
            return null;
        }
        boolean ok =
                ConfigValues.isHostname(h)
                        || ConfigValues.isIpv4(h)
                        || (h.startsWith("[")
                                && h.endsWith("]")
                                && ConfigValues.isIpv6(h.substring(1, h.length() - 1)))
                        || (portAllowed && ConfigValues.parseHostPort(h) != null);
        if (!ok) {
            n.error(
                    "invalid host "
                            + Node.quote(h)
                            + (portAllowed ? " (expected HOST or HOST:PORT)" : " (expected HOST)"));
            return null;
        }
        return h;
    }

    /** An optional RE2 pattern; a syntax error is a config error. */
    private static Pattern regex(Node n, boolean caseSensitive) {
        String re = n.string();
        if (re == null) {
            return null;
        }
        try {
            return Pattern.compile(re, caseSensitive ? 0 : Pattern.CASE_INSENSITIVE);
        } catch (PatternSyntaxException e) {
            String at = e.getPattern().equals(re) ? "" : " " + Node.quote(e.getPattern());
            n.error("invalid regex " + Node.quote(re) + ": " + e.getDescription() + at);
            return null;
        }
    }

    private static String exactlyOne(List<String> found, String... keys) {
        return "expected exactly one of "
                + String.join(", ", keys)
                + " (found "
                + (found.isEmpty() ? "none" : String.join(", ", found))
                + ")";
    }

    private static void atMostOne(Node.Struct s, String... keys) {
        List<String> found = s.present(keys);
        if (found.size() > 1) {
            s.node()
                    .error(
                            "expected at most one of "
                                    + String.join(", ", keys)
                                    + " (found "
                                    + String.join(", ", found)
                                    + ")");
        }
    }
}
