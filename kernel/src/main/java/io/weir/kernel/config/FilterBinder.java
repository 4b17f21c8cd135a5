package io.weir.kernel.config;

import io.weir.kernel.config.ListenerConfig.FailPolicy;
import io.weir.kernel.config.ListenerConfig.FilterConfig;
import io.weir.spi.ConfigNode;
import io.weir.spi.HttpFilterFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Binds filter entries and {@code per_filter_config} overrides: the name must be offered by a
 * plugin and the {@code config:} block is handed to that plugin's {@link
 * HttpFilterFactory#parseConfig}, whose errors carry the block's YAML path.
 */
final class FilterBinder {
    private static final List<String> FAIL_POLICIES = List.of("fail_closed", "fail_open");

    /** Null when the plugins could not be loaded: names and configs are then not checked. */
    private final FilterRegistry registry;

    private final java.nio.file.Path baseDir;

    FilterBinder(FilterRegistry registry, java.nio.file.Path baseDir) {
        this.registry = registry;
        this.baseDir = baseDir;
    }

    FilterConfig filter(Node n) {
        Node.Struct s =
                n.requiredStruct("name", "config", "fail_policy", "disabled", "callback_timeout");
        if (s == null) {
            return null;
        }
        Node nameNode = s.get("name");
        String name = nameNode.requiredString();
        HttpFilterFactory factory = factory(nameNode, name);
        Node config = s.get("config");
        Object raw = config.isPresent() ? config.rawCopy() : Map.of();
        Object parsed = parse(factory, config, raw);
        FailPolicy policy =
                FailPolicy.valueOf(
                        s.get("fail_policy")
                                .oneOf(FAIL_POLICIES, "fail_closed")
                                .toUpperCase(Locale.ROOT));
        boolean disabled = s.get("disabled").bool(false);
        Duration timeout = s.get("callback_timeout").duration(Duration.ZERO, true);
        return new FilterConfig(name, raw, parsed, policy, disabled, timeout);
    }

    /** A {@code per_filter_config} mapping: filter name to override. */
    Map<String, FilterOverride> overrides(Node n) {
        if (!n.isPresent()) {
            return Map.of();
        }
        Map<String, FilterOverride> out = new LinkedHashMap<>();
        for (Node e : n.entries()) {
            HttpFilterFactory factory = factory(e, e.key());
            Node.Struct s = e.requiredStruct("disabled", "config");
            if (s == null) {
                continue;
            }
            List<String> present = s.present("disabled", "config");
            if (present.size() != 1) {
                e.error("expected exactly one of disabled, config");
                continue;
            }
            if (s.get("disabled").isPresent()) {
                out.put(e.key(), new FilterOverride(s.get("disabled").bool(false), null, null));
            } else {
                Node config = s.get("config");
                Object raw = config.rawCopy();
                out.put(e.key(), new FilterOverride(false, raw, parse(factory, config, raw)));
            }
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    private HttpFilterFactory factory(Node at, String name) {
        if (name == null || registry == null) {
            return null;
        }
        HttpFilterFactory f = registry.factory(name);
        if (f == null) {
            at.error(
                    "unknown filter "
                            + Node.quote(name)
                            + (registry.names().isEmpty()
                                    ? " (no filters are loaded)"
                                    : " (known: " + String.join(", ", registry.names()) + ")"));
        }
        return f;
    }

    private Object parse(HttpFilterFactory factory, Node config, Object raw) {
        if (factory == null) {
            return raw;
        }
        ConfigNode node = ConfigNode.of(raw, config.path(), config::rawError, baseDir);
        try {
            return factory.parseConfig(node);
        } catch (RuntimeException | LinkageError e) {
            config.error(
                    "filter "
                            + Node.quote(factory.name())
                            + " failed to read its config: "
                            + (e.getMessage() == null ? e.getClass().getName() : e.getMessage()));
            return raw;
        }
    }
}
