package io.weir.filters.jwtauthn;

import com.nimbusds.jose.JOSEException;
import io.weir.spi.ConfigNode;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The bound config of one {@code weir.jwt_authn} block: its providers and its rules. Immutable (the
 * providers' remote keys and caches are thread-safe). Every worker shares it.
 *
 * @param providers by name, in config order
 * @param rules in order; the first whose match fits the request's path decides
 */
record JwtAuthnConfig(Map<String, Provider> providers, List<Rule> rules) {
    static final Duration DEFAULT_SKEW = Duration.ofSeconds(60);
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration DEFAULT_CACHE_DURATION = Duration.ofMinutes(10);
    static final Duration DEFAULT_REFETCH_MIN_INTERVAL = Duration.ofSeconds(30);
    static final int DEFAULT_CACHE_ENTRIES = 10_000;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /**
     * One rule: a path match and what it requires.
     *
     * @param prefix a path prefix, or null
     * @param path an exact path, or null
     * @param anyOf the providers of which one must verify a token (empty with allowMissing only)
     * @param allowMissing a request without a token passes (a present token must still verify)
     * @param allowFailed a request whose token fails passes too (allow_missing_or_failed)
     */
    record Rule(
            String prefix,
            String path,
            List<Provider> anyOf,
            boolean allowMissing,
            boolean allowFailed) {
        boolean matches(String p) {
            return prefix != null ? p.startsWith(prefix) : p.equals(path);
        }
    }

    /** The first rule for this path (without query), or null. */
    Rule rule(String path) {
        for (Rule r : rules) {
            if (r.matches(path)) {
                return r;
            }
        }
        return null;
    }

    /** Binds a block, reporting every problem through {@code n}; null after an error. */
    static JwtAuthnConfig from(ConfigNode n) {
        if (!n.expectMap("providers", "rules")) {
            return null;
        }
        boolean ok = true;
        Map<String, Provider> providers = new LinkedHashMap<>();
        ConfigNode pNode = n.get("providers");
        List<ConfigNode> pNodes = pNode.list();
        if (pNodes.isEmpty() && !pNode.isMissing() && pNode.raw() instanceof List) {
            pNode.error("must not be empty");
            ok = false;
        } else if (pNode.isMissing()) {
            pNode.error("is required");
            ok = false;
        }
        for (ConfigNode p : pNodes) {
            Provider pr = provider(p, providers);
            if (pr == null) {
                ok = false;
            } else {
                providers.put(pr.name, pr);
            }
        }
        List<Rule> rules = new ArrayList<>();
        ConfigNode rNode = n.get("rules");
        if (rNode.isMissing()) {
            rNode.error("is required (without rules no request is checked)");
            ok = false;
        }
        for (ConfigNode r : rNode.list()) {
            Rule rule = ok ? rule(r, providers) : null;
            if (rule == null) {
                ok = false;
            } else {
                rules.add(rule);
            }
        }
        return ok ? new JwtAuthnConfig(providers, List.copyOf(rules)) : null;
    }

    private static Provider provider(ConfigNode p, Map<String, Provider> seen) {
        if (!p.isMap()) {
            p.error("expected a map with name, issuer, jwks, ...");
            return null;
        }
        if (!p.expectMap(
                "name",
                "issuer",
                "audiences",
                "jwks",
                "forward_claims",
                "from",
                "clock_skew",
                "forward",
                "cache")) {
            return null;
        }
        boolean ok = true;
        ConfigNode nameNode = p.get("name");
        String name = nameNode.requireString();
        if (name == null) {
            ok = false;
        } else if (!NAME.matcher(name).matches()) {
            nameNode.error(
                    "must be 1 to 64 letters, digits, '_', '.' or '-' (was \"" + name + "\")");
            ok = false;
        } else if (seen.containsKey(name)) {
            nameNode.error("repeats the provider \"" + name + "\"");
            ok = false;
        }
        String issuer = p.get("issuer").asString(null);
        List<String> audiences = new ArrayList<>();
        for (ConfigNode a : p.get("audiences").list()) {
            String s = a.requireString();
            if (s == null) {
                ok = false;
            } else {
                audiences.add(s);
            }
        }
        List<TokenSource> from = new ArrayList<>();
        ConfigNode fromNode = p.get("from");
        if (fromNode.isMissing()) {
            from.add(TokenSource.BEARER);
        }
        for (ConfigNode f : fromNode.list()) {
            String raw = f.asString(null);
            TokenSource s = raw == null ? null : TokenSource.parse(raw);
            if (raw != null && s == null) {
                f.error(
                        "expected authorization_bearer, header:NAME (a lower-case header name),"
                                + " query:NAME or cookie:NAME (was \""
                                + raw
                                + "\")");
            }
            if (s == null) {
                ok = false;
            } else {
                from.add(s);
            }
        }
        if (!fromNode.isMissing() && from.isEmpty() && ok) {
            fromNode.error("must not be empty");
            ok = false;
        }
        ConfigNode fcNode = p.get("forward_claims");
        Map<String, String> forwardClaims = fcNode.asStringMap();
        for (Map.Entry<String, String> e : forwardClaims.entrySet()) {
            if (!TokenSource.isHeaderName(e.getValue())) {
                fcNode.get(e.getKey())
                        .error("expected a lower-case header name (was \"" + e.getValue() + "\")");
                ok = false;
            }
        }
        Duration skew = p.get("clock_skew").asDuration(DEFAULT_SKEW);
        boolean forward = p.get("forward").asBoolean(false);
        ConfigNode cacheNode = p.get("cache");
        int cacheEntries = DEFAULT_CACHE_ENTRIES;
        if (!cacheNode.isMissing()) {
            if (!cacheNode.expectMap("max_entries")) {
                ok = false;
            } else {
                cacheEntries =
                        cacheNode.get("max_entries").asInt(DEFAULT_CACHE_ENTRIES, 0, 10_000_000);
            }
        }
        ConfigNode jwks = p.get("jwks");
        if (jwks.isMissing()) {
            jwks.error("is required (file, inline, uri with cluster, or hmac_secret)");
            return null;
        }
        if (!jwks.expectMap(
                "file",
                "inline",
                "uri",
                "cluster",
                "timeout",
                "cache_duration",
                "refetch_min_interval",
                "hmac_secret")) {
            return null;
        }
        int sources = 0;
        for (String k : List.of("file", "inline", "uri", "hmac_secret")) {
            sources += jwks.get(k).isMissing() ? 0 : 1;
        }
        if (sources != 1) {
            jwks.error("needs exactly one of file, inline, uri, hmac_secret (has " + sources + ")");
            return null;
        }
        Keys keys = null;
        Provider.RemoteJwksSpec remote = null;
        if (!jwks.get("file").isMissing()) {
            keys = fileKeys(jwks.get("file"));
        } else if (!jwks.get("inline").isMissing()) {
            String text = jwks.get("inline").requireString();
            keys = text == null ? null : jwksKeys(jwks.get("inline"), text, "inline JWKS");
        } else if (!jwks.get("hmac_secret").isMissing()) {
            keys = hmacKeys(jwks.get("hmac_secret"));
        } else {
            remote = remote(jwks);
        }
        if (jwks.get("uri").isMissing()) {
            for (String k :
                    List.of("cluster", "timeout", "cache_duration", "refetch_min_interval")) {
                if (!jwks.get(k).isMissing()) {
                    jwks.get(k).error("applies only with uri");
                    ok = false;
                }
            }
        }
        if (!ok || (keys == null && remote == null)) {
            return null;
        }
        return new Provider(
                name,
                issuer,
                audiences,
                from,
                forwardClaims,
                skew.toMillis(),
                forward,
                keys,
                remote,
                cacheEntries);
    }

    private static Keys fileKeys(ConfigNode f) {
        Path path = f.asPath();
        if (path == null) {
            return null;
        }
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            f.error("cannot read " + path + " (" + e.getClass().getSimpleName() + ")");
            return null;
        }
        return jwksKeys(f, text, path.toString());
    }

    private static Keys jwksKeys(ConfigNode n, String text, String what) {
        Keys k;
        try {
            k = Keys.parseJwks(text);
        } catch (ParseException | RuntimeException e) {
            n.error(what + " is not a JWKS (a JSON object with a \"keys\" list)");
            return null;
        }
        if (k.size() == 0) {
            n.error(what + " has no usable key (RSA or EC public keys)");
            return null;
        }
        return k;
    }

    private static Keys hmacKeys(ConfigNode n) {
        String secret = n.raw() instanceof String s ? s : null;
        if (secret == null) {
            n.error("expected a string (the value is not shown)");
            return null;
        }
        byte[] b = secret.getBytes(StandardCharsets.UTF_8);
        if (b.length < 32) {
            n.error(
                    "must be at least 32 bytes for HS256 (was "
                            + b.length
                            + "; the value is not shown)");
            return null;
        }
        try {
            return Keys.hmac(b);
        } catch (JOSEException e) {
            n.error("is not a usable HMAC key (the value is not shown)");
            return null;
        }
    }

    private static Provider.RemoteJwksSpec remote(ConfigNode jwks) {
        ConfigNode uriNode = jwks.get("uri");
        String uri = uriNode.requireString();
        ConfigNode clusterNode = jwks.get("cluster");
        String cluster = clusterNode.isMissing() ? null : clusterNode.requireString();
        if (clusterNode.isMissing()) {
            clusterNode.error("is required with uri (the cluster that serves the JWKS)");
        }
        Duration timeout = jwks.get("timeout").asDuration(DEFAULT_TIMEOUT);
        Duration cacheDuration = jwks.get("cache_duration").asDuration(DEFAULT_CACHE_DURATION);
        Duration refetch =
                jwks.get("refetch_min_interval").asDuration(DEFAULT_REFETCH_MIN_INTERVAL);
        if (uri == null || cluster == null) {
            return null;
        }
        URI u;
        try {
            u = new URI(uri);
        } catch (URISyntaxException e) {
            u = null;
        }
        if (u == null
                || u.getRawAuthority() == null
                || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
            uriNode.error("expected an http:// or https:// URL (was \"" + uri + "\")");
            return null;
        }
        String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
        if (u.getRawQuery() != null) {
            path += "?" + u.getRawQuery();
        }
        if (timeout.isZero() || timeout.isNegative()) {
            jwks.get("timeout").error("must be > 0");
            return null;
        }
        return new Provider.RemoteJwksSpec(
                uri, cluster, path, u.getRawAuthority(), timeout, cacheDuration, refetch);
    }

    private static Rule rule(ConfigNode r, Map<String, Provider> providers) {
        if (!r.isMap() || !r.expectMap("match", "requires")) {
            if (!r.isMap()) {
                r.error("expected a map with match and requires");
            }
            return null;
        }
        ConfigNode m = r.get("match");
        if (m.isMissing()) {
            m.error("is required");
            return null;
        }
        if (!m.expectMap("prefix", "path")) {
            return null;
        }
        String prefix = m.get("prefix").asString(null);
        String path = m.get("path").asString(null);
        if ((prefix == null) == (path == null)) {
            m.error("needs exactly one of prefix, path");
            return null;
        }
        ConfigNode q = r.get("requires");
        if (q.isMissing()) {
            q.error(
                    "is required (a provider name, any_of, allow_missing or allow_missing_or_failed)");
            return null;
        }
        if (q.raw() instanceof String s) {
            return switch (s) {
                case "allow_missing" -> new Rule(prefix, path, List.of(), true, false);
                case "allow_missing_or_failed" -> new Rule(prefix, path, List.of(), true, true);
                default -> {
                    Provider p = providers.get(s);
                    if (p == null) {
                        q.error(
                                "unknown provider \""
                                        + s
                                        + "\" (expected one of: "
                                        + String.join(", ", providers.keySet())
                                        + ")");
                        yield null;
                    }
                    yield new Rule(prefix, path, List.of(p), false, false);
                }
            };
        }
        if (!q.isMap() || !q.expectMap("any_of", "allow_missing", "allow_missing_or_failed")) {
            if (!q.isMap()) {
                q.error(
                        "expected a provider name, allow_missing, allow_missing_or_failed or {any_of: [...]}");
            }
            return null;
        }
        List<Provider> any = new ArrayList<>();
        ConfigNode anyNode = q.get("any_of");
        for (ConfigNode a : anyNode.list()) {
            String s = a.requireString();
            Provider p = s == null ? null : providers.get(s);
            if (s != null && p == null) {
                a.error(
                        "unknown provider \""
                                + s
                                + "\" (expected one of: "
                                + String.join(", ", providers.keySet())
                                + ")");
            }
            if (p == null) {
                return null;
            }
            any.add(p);
        }
        if (any.isEmpty()) {
            anyNode.error("must name at least one provider");
            return null;
        }
        boolean allowMissing = q.get("allow_missing").asBoolean(false);
        boolean allowFailed = q.get("allow_missing_or_failed").asBoolean(false);
        return new Rule(prefix, path, List.copyOf(any), allowMissing || allowFailed, allowFailed);
    }
}
