package io.weir.filters.rbac;

import io.weir.spi.ConfigNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Binds a {@code weir.rbac} block to an {@link RbacConfig}, reporting every error with its YAML
 * path. Confined to the config-loading thread; one instance per block.
 */
final class RbacConfigBinder {
    private static final Pattern TOKEN = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+");
    private static final Pattern HEADER_KEY = Pattern.compile("request\\.headers\\[([^\\]]+)]");
    private static final Pattern CLAIMS_KEY =
            Pattern.compile("request\\.auth\\.claims((?:\\[[^\\[\\]]+])+)");
    private static final Pattern SEGMENT = Pattern.compile("\\[([^\\[\\]]+)]");

    private boolean ok = true;

    private RbacConfigBinder() {}

    /** The config, or null after reporting errors through {@code n}. */
    static RbacConfig bind(ConfigNode n) {
        RbacConfigBinder b = new RbacConfigBinder();
        if (!n.expectMap("shadow", "policies")) {
            return null;
        }
        boolean shadow = n.get("shadow").asBoolean(false);
        List<Policy> policies = new ArrayList<>();
        Map<String, String> names = new HashMap<>();
        for (ConfigNode p : b.nonEmptyList(n.get("policies"), true)) {
            Policy policy = b.policy(p, names);
            if (policy != null) {
                policies.add(policy);
            }
        }
        return b.ok ? new RbacConfig(shadow, policies) : null;
    }

    private Policy policy(ConfigNode p, Map<String, String> names) {
        if (!map(p, "name", "action", "rules")) {
            return null;
        }
        ConfigNode nameNode = p.get("name");
        String name = nameNode.requireString();
        if (name == null) {
            ok = false;
        } else if (name.equals(RbacConfig.NONE)) {
            fail(nameNode, "\"none\" is reserved (it names decisions no policy made)");
        } else if (names.containsKey(name)) {
            fail(nameNode, "duplicate policy name \"" + name + "\" (also " + names.get(name) + ")");
        } else {
            names.put(name, p.path());
        }
        ConfigNode actionNode = p.get("action");
        Object action = actionNode.raw();
        if (action == null) {
            fail(actionNode, "is required");
        } else if (!"ALLOW".equals(action) && !"DENY".equals(action)) {
            fail(actionNode, "must be ALLOW or DENY (was " + describe(action) + ")");
        }
        List<Condition> rules = new ArrayList<>();
        for (ConfigNode r : p.get("rules").list()) {
            rules.add(rule(r));
        }
        ok &= p.get("rules").raw() == null || p.get("rules").raw() instanceof List;
        return ok ? new Policy(name, "DENY".equals(action), rules) : null;
    }

    private Condition rule(ConfigNode r) {
        List<Condition> all = new ArrayList<>();
        if (!map(r, "from", "to", "when")) {
            return all(all);
        }
        List<Condition> sources = new ArrayList<>();
        for (ConfigNode f : nonEmptyList(r.get("from"), false)) {
            if (map(f, "source")) {
                sources.add(source(f.get("source")));
            }
        }
        if (!r.get("from").isMissing()) {
            all.add(Condition.any(sources));
        }
        List<Condition> ops = new ArrayList<>();
        for (ConfigNode t : nonEmptyList(r.get("to"), false)) {
            if (map(t, "operation")) {
                ops.add(operation(t.get("operation")));
            }
        }
        if (!r.get("to").isMissing()) {
            all.add(Condition.any(ops));
        }
        for (ConfigNode w : nonEmptyList(r.get("when"), false)) {
            all.add(when(w));
        }
        return all(all);
    }

    private Condition source(ConfigNode s) {
        List<Condition> all = new ArrayList<>();
        if (required(s)
                && map(
                        s,
                        "ip_blocks",
                        "not_ip_blocks",
                        "request_principals",
                        "not_request_principals")) {
            ips(all, s, "ip_blocks", RequestView::sourceIp);
            strings(all, s, "request_principals", false, r -> one(r.principal()));
        }
        return all(all);
    }

    private Condition operation(ConfigNode o) {
        List<Condition> all = new ArrayList<>();
        if (required(o)
                && map(
                        o,
                        "hosts",
                        "not_hosts",
                        "ports",
                        "not_ports",
                        "methods",
                        "not_methods",
                        "paths",
                        "not_paths")) {
            strings(all, o, "hosts", true, r -> one(r.host()));
            exact(all, o, "ports", r -> one(r.destinationPort()), true);
            exact(all, o, "methods", r -> one(r.method()), false);
            strings(all, o, "paths", false, r -> one(r.urlPath()));
        }
        return all(all);
    }

    private Condition when(ConfigNode w) {
        List<Condition> all = new ArrayList<>();
        if (!map(w, "key", "values", "not_values")) {
            return all(all);
        }
        ConfigNode keyNode = w.get("key");
        String key = keyNode.requireString();
        if (key == null) {
            ok = false;
            return all(all);
        }
        if (w.get("values").isMissing() && w.get("not_values").isMissing()) {
            fail(w, "needs values or not_values");
        }
        Matcher h = HEADER_KEY.matcher(key);
        Matcher c = CLAIMS_KEY.matcher(key);
        if (h.matches()) {
            String name = h.group(1).toLowerCase(Locale.ROOT);
            if (!TOKEN.matcher(name).matches()) {
                fail(
                        keyNode,
                        "expected a header name in request.headers[NAME] (was \"" + key + "\")");
            }
            strings(all, w, "values", false, r -> r.header(name));
        } else if (c.matches()) {
            List<String> path = new ArrayList<>();
            Matcher seg = SEGMENT.matcher(c.group(1));
            while (seg.find()) {
                path.add(seg.group(1));
            }
            List<String> claimPath = List.copyOf(path);
            strings(all, w, "values", false, r -> r.claim(claimPath));
        } else {
            switch (key) {
                case "source.ip" -> ips(all, w, "values", RequestView::sourceIp);
                case "destination.ip" -> ips(all, w, "values", RequestView::destinationIp);
                case "destination.port" ->
                        exact(all, w, "values", r -> one(r.destinationPort()), true);
                case "request.auth.principal" ->
                        strings(all, w, "values", false, r -> one(r.principal()));
                case "request.auth.audiences" ->
                        strings(all, w, "values", false, r -> r.claim(List.of("aud")));
                case "request.auth.presenter" ->
                        strings(all, w, "values", false, r -> r.claim(List.of("azp")));
                default ->
                        fail(
                                keyNode,
                                "expected request.headers[NAME], request.auth.claims[NAME], request.auth.principal,"
                                        + " request.auth.audiences, request.auth.presenter, source.ip,"
                                        + " destination.ip or destination.port (was \""
                                        + key
                                        + "\")");
            }
        }
        return all(all);
    }

    // --- fields: each binds KEY and not_KEY (for when: values and not_values)

    private void strings(
            List<Condition> out,
            ConfigNode parent,
            String key,
            boolean ignoreCase,
            Function<RequestView, List<String>> attr) {
        field(
                out,
                parent,
                key,
                s -> {
                    StringPattern p = StringPattern.parse(s, ignoreCase);
                    return p == null ? null : List.of(p);
                },
                "a value, prefix*, *suffix or *",
                ps -> Condition.strings(attr, flat(ps)));
    }

    private void exact(
            List<Condition> out,
            ConfigNode parent,
            String key,
            Function<RequestView, List<String>> attr,
            boolean port) {
        field(
                out,
                parent,
                key,
                s -> {
                    if (port && !isPort(s)) {
                        return null;
                    }
                    if (!port && !TOKEN.matcher(s.toLowerCase(Locale.ROOT)).matches()) {
                        return null;
                    }
                    return List.of(new StringPattern(StringPattern.Kind.EXACT, s, false));
                },
                port ? "a port 1..65535" : "a method such as GET",
                ps -> Condition.strings(attr, flat(ps)));
    }

    private void ips(
            List<Condition> out,
            ConfigNode parent,
            String key,
            Function<RequestView, byte[]> attr) {
        field(
                out,
                parent,
                key,
                s -> {
                    IpBlock b = IpBlock.parse(s);
                    return b == null ? null : List.of(b);
                },
                "an IPv4 or IPv6 address or CIDR such as 10.0.0.0/8 or 2001:db8::/32",
                bs -> Condition.ips(attr, flat(bs)));
    }

    private <T> void field(
            List<Condition> out,
            ConfigNode parent,
            String key,
            Function<String, List<T>> parse,
            String expected,
            Function<List<List<T>>, Condition> build) {
        String notKey = key.equals("values") ? "not_values" : "not_" + key;
        for (String k : List.of(key, notKey)) {
            ConfigNode list = parent.get(k);
            if (list.isMissing()) {
                continue;
            }
            List<List<T>> values = new ArrayList<>();
            for (ConfigNode e : nonEmptyList(list, false)) {
                String s = e.asString(null);
                List<T> v = s == null ? null : parse.apply(s);
                if (v == null) {
                    if (s != null) {
                        fail(e, "expected " + expected + " (was \"" + s + "\")");
                    }
                    ok = false;
                } else {
                    values.add(v);
                }
            }
            Condition c = build.apply(values);
            out.add(k.equals(key) ? c : c.negate());
        }
    }

    // --- helpers

    private List<ConfigNode> nonEmptyList(ConfigNode n, boolean emptyOk) {
        if (n.isMissing()) {
            return List.of();
        }
        if (!(n.raw() instanceof List<?> l)) {
            n.list(); // reports "expected a list"
            ok = false;
            return List.of();
        }
        if (l.isEmpty() && !emptyOk) {
            fail(n, "must not be empty (leave the key out instead)");
        }
        return n.list();
    }

    private boolean required(ConfigNode n) {
        if (n.isMissing()) {
            fail(n, "is required");
            return false;
        }
        return true;
    }

    /** Checks a map's keys (unknown ones are errors); false when it is not a map. */
    private boolean map(ConfigNode n, String... keys) {
        if (!n.expectMap(keys)) {
            ok = false;
            return false;
        }
        if (!List.of(keys).containsAll(n.keys())) {
            ok = false; // reported by expectMap
        }
        return true;
    }

    private void fail(ConfigNode n, String message) {
        n.error(message);
        ok = false;
    }

    private static Condition all(List<Condition> cs) {
        return Condition.all(cs);
    }

    private static List<String> one(String v) {
        return v == null ? List.of() : List.of(v);
    }

    private static <T> List<T> flat(List<List<T>> ls) {
        List<T> out = new ArrayList<>();
        ls.forEach(out::addAll);
        return out;
    }

    private static boolean isPort(String s) {
        if (s.isEmpty()
                || s.length() > 5
                || !s.chars().allMatch(Character::isDigit)
                || s.charAt(0) == '0') {
            return false;
        }
        int p = Integer.parseInt(s);
        return p >= 1 && p <= 65535;
    }

    private static String describe(Object v) {
        return v instanceof String s
                ? "\"" + s + "\""
                : v instanceof Map ? "a map" : v instanceof List ? "a list" : String.valueOf(v);
    }
}
