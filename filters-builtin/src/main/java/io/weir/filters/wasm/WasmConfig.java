package io.weir.filters.wasm;

import io.weir.spi.ConfigNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The bound config of one {@code weir.wasm} filter entry. Immutable.
 *
 * @param module the module file (absolute)
 * @param moduleBytes the module's bytes, read when the config was loaded
 * @param configuration the plugin configuration handed to {@code proxy_on_configure} (a YAML map or
 *     list is passed as JSON)
 */
record WasmConfig(
        Path module,
        byte[] moduleBytes,
        String rootId,
        String vmId,
        String configuration,
        String vmConfiguration,
        FailPolicy failPolicy,
        int memoryMb,
        Duration callbackTimeout,
        boolean rootOnly) {

    enum FailPolicy {
        FAIL_CLOSED,
        FAIL_OPEN,
        RELOAD
    }

    static final int DEFAULT_MEMORY_MB = 64;
    static final Duration DEFAULT_CALLBACK_TIMEOUT = Duration.ofMillis(50);

    static WasmConfig from(ConfigNode n) {
        if (!n.expectMap(
                "module",
                "root_id",
                "vm_id",
                "configuration",
                "vm_configuration",
                "fail_policy",
                "limits",
                "root_only")) {
            return null;
        }
        ConfigNode moduleNode = n.get("module");
        Path module = moduleNode.isMissing() ? null : moduleNode.asPath();
        if (moduleNode.isMissing()) {
            moduleNode.error("is required");
        }
        byte[] bytes = null;
        if (module != null) {
            try {
                bytes = Files.readAllBytes(module);
                if (bytes.length < 8
                        || bytes[0] != 0
                        || bytes[1] != 'a'
                        || bytes[2] != 's'
                        || bytes[3] != 'm') {
                    moduleNode.error("not a WebAssembly module: " + module);
                    bytes = null;
                }
            } catch (IOException e) {
                moduleNode.error("cannot read " + module + ": " + e.getClass().getSimpleName());
            }
        }
        String rootId = text(n.get("root_id"));
        String vmId = text(n.get("vm_id"));
        String configuration = jsonOrText(n.get("configuration"));
        String vmConfiguration = jsonOrText(n.get("vm_configuration"));
        String policy =
                n.get("fail_policy").asEnum("fail_closed", "fail_closed", "fail_open", "reload");
        ConfigNode limits = n.get("limits");
        limits.expectMap("memory_mb", "callback_timeout");
        int memoryMb = limits.get("memory_mb").asInt(DEFAULT_MEMORY_MB, 1, 2047);
        Duration timeout = limits.get("callback_timeout").asDuration(DEFAULT_CALLBACK_TIMEOUT);
        if (timeout.isZero()) {
            limits.get("callback_timeout").error("must be > 0");
        }
        boolean rootOnly = n.get("root_only").asBoolean(false);
        if (module == null || bytes == null) {
            return null;
        }
        return new WasmConfig(
                module,
                bytes,
                rootId,
                vmId,
                configuration,
                vmConfiguration,
                FailPolicy.valueOf(policy.toUpperCase(java.util.Locale.ROOT)),
                memoryMb,
                timeout,
                rootOnly);
    }

    /** A string, or "" when missing (an empty string is allowed here). */
    private static String text(ConfigNode n) {
        if (n.isMissing()) {
            return "";
        }
        if (n.raw() instanceof String s) {
            return s;
        }
        n.error("expected a string");
        return "";
    }

    /** A string verbatim, a map or list as JSON, a scalar as its text. */
    private static String jsonOrText(ConfigNode n) {
        Object v = n.raw();
        if (v == null) {
            return "";
        }
        if (v instanceof String s) {
            return s;
        }
        StringBuilder sb = new StringBuilder();
        json(v, sb);
        return sb.toString();
    }

    private static void json(Object v, StringBuilder sb) {
        if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                string(String.valueOf(e.getKey()), sb);
                sb.append(':');
                json(e.getValue(), sb);
            }
            sb.append('}');
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                json(l.get(i), sb);
            }
            sb.append(']');
        } else if (v instanceof String s) {
            string(s, sb);
        } else {
            sb.append(v);
        }
    }

    private static void string(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
