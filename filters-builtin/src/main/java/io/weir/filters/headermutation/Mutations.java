package io.weir.filters.headermutation;

import io.weir.spi.ConfigNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The mutations of one direction, applied in this order: {@code remove}, {@code rename}, {@code
 * set}, {@code add}. Immutable.
 *
 * @param remove header names to remove (every field of each)
 * @param rename headers to move to another name
 * @param set headers whose fields are replaced by one value
 * @param add values appended (existing fields stay)
 */
record Mutations(List<String> remove, List<Rename> rename, List<Entry> set, List<Entry> add) {
    static final Mutations NONE = new Mutations(List.of(), List.of(), List.of(), List.of());

    /** One {@code {name, value}} of {@code set} or {@code add}. */
    record Entry(String name, Template value) {
        Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }

    /** One {@code {from, to}} of {@code rename}. */
    record Rename(String from, String to) {
        Rename {
            if (from.equals(to)) {
                throw new IllegalArgumentException("rename from and to are both " + from);
            }
        }
    }

    Mutations {
        remove = List.copyOf(remove);
        rename = List.copyOf(rename);
        set = List.copyOf(set);
        add = List.copyOf(add);
    }

    /** Whether there is nothing to do. */
    boolean isEmpty() {
        return remove.isEmpty() && rename.isEmpty() && set.isEmpty() && add.isEmpty();
    }

    /** Binds {@code {add, set, remove, rename}}; null after an error. */
    static Mutations from(ConfigNode node) {
        if (node.isMissing()) {
            return NONE;
        }
        if (!node.expectMap("remove", "rename", "set", "add")) {
            return null;
        }
        boolean ok = true;
        List<String> remove = new ArrayList<>();
        for (ConfigNode n : node.get("remove").list()) {
            String name = HeaderNames.mutable(n, "remove");
            ok &= name != null;
            remove.add(name);
        }
        List<Rename> rename = new ArrayList<>();
        for (ConfigNode n : node.get("rename").list()) {
            if (!n.expectMap("from", "to")) {
                ok = false;
                continue;
            }
            String from = HeaderNames.mutable(n.get("from"), "rename");
            String to = HeaderNames.mutable(n.get("to"), "rename");
            if (from != null && from.equals(to)) {
                n.get("to").error("must differ from \"from\" (was \"" + to + "\")");
                to = null;
            }
            ok &= from != null && to != null;
            if (from != null && to != null) {
                rename.add(new Rename(from, to));
            }
        }
        List<Entry> set = entries(node.get("set"), "set", true);
        List<Entry> add = entries(node.get("add"), "add", false);
        return ok && set != null && add != null ? new Mutations(remove, rename, set, add) : null;
    }

    private static List<Entry> entries(ConfigNode list, String op, boolean unique) {
        boolean ok = true;
        List<Entry> out = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (ConfigNode n : list.list()) {
            if (!n.expectMap("name", "value")) {
                ok = false;
                continue;
            }
            ConfigNode nameNode = n.get("name");
            String name = HeaderNames.mutable(nameNode, op);
            if (unique && name != null) {
                String first = seen.putIfAbsent(name, n.path());
                if (first != null) {
                    nameNode.error("duplicate header \"" + name + "\" (also " + first + ")");
                    name = null;
                }
            }
            ConfigNode valueNode = n.get("value");
            String text = valueNode.requireString();
            Template value = null;
            if (text != null && !HeaderNames.isSafeValue(text)) {
                valueNode.error("must not contain CR, LF or NUL");
            } else if (text != null) {
                value = Template.parse(text, valueNode);
            }
            ok &= name != null && value != null;
            if (name != null && value != null) {
                out.add(new Entry(name, value));
            }
        }
        return ok ? out : null;
    }
}
