package io.weir.kernel.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One value of the raw YAML tree (maps, lists, scalars as snakeyaml-engine builds them) together
 * with its path ({@code listeners[0].http.filters[2].name}) and its position in the file.
 *
 * <p>Binding code reads typed values from nodes. A value that is absent or of the wrong shape never
 * throws: the problem is recorded in the shared {@link ConfigErrors} as {@code path: message} and
 * the reader returns a default (null, an empty list, the given default), so binding carries on and
 * every error of a file is reported at once. Not thread-safe; one tree per load.
 */
final class Node {
    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_-]+");
    private static final int MAX_DEPTH = 64;

    private final Object value;
    private final String path;
    private final String key;
    private final int[] position;
    private final ConfigErrors errors;

    private Node(Object value, String path, String key, int[] position, ConfigErrors errors) {
        this.value = value;
        this.path = path;
        this.key = key;
        this.position = position;
        this.errors = errors;
    }

    /** The root of a parsed document. */
    static Node root(Object value, ConfigErrors errors) {
        return new Node(value, "", null, new int[0], errors);
    }

    /** The path for error messages; {@code (root)} for the document itself. */
    String path() {
        return path.isEmpty() ? "(root)" : path;
    }

    /** The map key this node was read under, or null for list elements and the root. */
    String key() {
        return key;
    }

    boolean isPresent() {
        return value != null;
    }

    /** Records {@code path: message}. */
    void error(String message) {
        errors.add(position, path() + ": " + message);
    }

    /** Records an already complete {@code path: message} text at this node's position. */
    void rawError(String text) {
        errors.add(position, text);
    }

    /** Records an error about the node's value of the wrong type. */
    void expected(String what) {
        error("expected " + what + " (was " + typeName(value) + ")");
    }

    /**
     * Records that a required value is absent: {@code required} for a mapping key, {@code expected
     * X (was null)} for a null list element.
     */
    void missing(String what) {
        if (key == null && !path.isEmpty()) {
            expected(what);
        } else {
            error("required");
        }
    }

    // ---- structure

    /**
     * Reads a mapping whose keys must be among {@code keys} (each other key is an {@code unknown
     * key} error). Returns null if absent; records an error and returns null if not a mapping.
     */
    Struct struct(String... keys) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof Map<?, ?> map)) {
            expected("a mapping");
            return null;
        }
        List<String> allowed = List.of(keys);
        int i = 0;
        for (Object k : map.keySet()) {
            if (!allowed.contains(k)) {
                child(String.valueOf(k), i, map.get(k))
                        .error("unknown key (expected one of: " + String.join(", ", allowed) + ")");
            }
            i++;
        }
        return new Struct(this, map, allowed);
    }

    /** Like {@link #struct} but an absent value is a {@code required} error. */
    Struct requiredStruct(String... keys) {
        if (value == null) {
            missing("a mapping");
            return null;
        }
        return struct(keys);
    }

    /** The entries of a mapping with string keys, in file order; empty if absent. */
    List<Node> entries() {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof Map<?, ?> map)) {
            expected("a mapping");
            return List.of();
        }
        List<Node> out = new ArrayList<>(map.size());
        int i = 0;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            Node n = child(String.valueOf(e.getKey()), i++, e.getValue());
            if (e.getKey() instanceof String) {
                out.add(n);
            } else {
                n.error("expected a string key (was " + typeName(e.getKey()) + ")");
            }
        }
        return out;
    }

    /** The elements of a list; empty if absent or not a list (the latter is an error). */
    List<Node> list() {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            expected("a list");
            return List.of();
        }
        List<Node> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            int[] pos = Arrays.copyOf(position, position.length + 1);
            pos[position.length] = i;
            out.add(new Node(list.get(i), path + "[" + i + "]", null, pos, errors));
        }
        return out;
    }

    /** Like {@link #list} but absent is {@code required} and empty is {@code must not be empty}. */
    List<Node> nonEmptyList() {
        if (value == null) {
            missing("a list");
            return List.of();
        }
        if (value instanceof List<?> l && l.isEmpty()) {
            error("must not be empty");
        }
        return list();
    }

    private Node child(String k, int index, Object v) {
        int[] pos = Arrays.copyOf(position, position.length + 1);
        pos[position.length] = index;
        String p =
                PLAIN_KEY.matcher(k).matches()
                        ? (path.isEmpty() ? k : path + "." + k)
                        : path + "[" + quote(k) + "]";
        return new Node(v, p, k, pos, errors);
    }

    // ---- scalars

    /** A string, or null if absent or not a string (the latter is an error). */
    String string() {
        if (value == null) {
            return null;
        }
        if (!(value instanceof String s)) {
            expected("a string");
            return null;
        }
        return s;
    }

    /** A non-empty string; absent is {@code required}, empty is {@code must not be empty}. */
    String requiredString() {
        if (value == null) {
            missing("a string");
            return null;
        }
        String s = string();
        if (s != null && s.isEmpty()) {
            error("must not be empty");
            return null;
        }
        return s;
    }

    /** A boolean, or {@code def} if absent or not a boolean (the latter is an error). */
    boolean bool(boolean def) {
        Boolean b = optionalBool();
        return b == null ? def : b;
    }

    /** A boolean, or null if absent or not a boolean (the latter is an error). */
    Boolean optionalBool() {
        if (value == null) {
            return null;
        }
        if (!(value instanceof Boolean b)) {
            expected("a boolean");
            return null;
        }
        return b;
    }

    /** An integer, or null if absent or not an integer (the latter is an error). */
    Long integer() {
        if (value == null) {
            return null;
        }
        if (value instanceof Integer || value instanceof Long) {
            return ((Number) value).longValue();
        }
        if (value instanceof java.math.BigInteger) {
            error("must be <= " + Integer.MAX_VALUE + " (was " + value + ")");
            return null;
        }
        expected("an integer");
        return null;
    }

    /** An int {@code >= min} ({@code > 0} when min is 1), or {@code def}. */
    int intAtLeast(int min, int def) {
        Long n = integer();
        if (n == null) {
            return def;
        }
        if (n < min) {
            error((min == 1 ? "must be > 0" : "must be >= " + min) + " (was " + n + ")");
            return def;
        }
        if (n > Integer.MAX_VALUE) {
            error("must be <= " + Integer.MAX_VALUE + " (was " + n + ")");
            return def;
        }
        return n.intValue();
    }

    /** An int in {@code lo..hi}, or {@code def}. */
    int intInRange(int lo, int hi, int def) {
        Long n = integer();
        if (n == null) {
            return def;
        }
        if (n < lo || n > hi) {
            error("must be " + lo + ".." + hi + " (was " + n + ")");
            return def;
        }
        return n.intValue();
    }

    /** A number (integer or decimal) in {@code lo..hi}, or {@code def} if absent or invalid. */
    double numberInRange(double lo, double hi, double def) {
        if (value == null) {
            return def;
        }
        if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue())) {
            expected("a number");
            return def;
        }
        double v = n.doubleValue();
        if (v < lo || v > hi) {
            error("must be between " + num(lo) + " and " + num(hi) + " (was " + num(v) + ")");
            return def;
        }
        return v;
    }

    private static String num(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15
                ? Long.toString((long) d)
                : Double.toString(d);
    }

    /**
     * A duration such as {@code 250ms}, {@code 15s}, {@code 1m}, {@code 2h}; {@code def} if absent
     * or invalid. Unless {@code zeroAllowed}, {@code 0s} is an error.
     */
    Duration duration(Duration def, boolean zeroAllowed) {
        String text = scalarText("a duration");
        if (text == null) {
            return def;
        }
        Duration d = ConfigValues.parseDuration(text);
        if (d == null) {
            error("invalid duration " + quote(text) + " (expected e.g. 250ms, 15s, 1m)");
            return def;
        }
        if (d.isZero() && !zeroAllowed) {
            error("must be > 0 (was " + text + ")");
            return def;
        }
        return d;
    }

    /**
     * A byte size: an integer or a string such as {@code 64KiB}, {@code 1MiB}, {@code 2GiB}, in
     * {@code min..max}; {@code def} if absent or invalid.
     */
    long size(long def, long min, long max) {
        String text = scalarText("a size");
        if (text == null) {
            return def;
        }
        Long n = ConfigValues.parseSize(text);
        if (n == null) {
            error("invalid size " + quote(text) + " (expected bytes or e.g. 64KiB, 1MiB, 1GiB)");
            return def;
        }
        if (n < min) {
            error((min == 1 ? "must be > 0" : "must be >= " + min) + " (was " + text + ")");
            return def;
        }
        if (n > max) {
            error("must be <= " + max + " (was " + text + ")");
            return def;
        }
        return n;
    }

    /**
     * One of {@code allowed} strings (compared exactly), or {@code def} if absent or not allowed
     * (the latter is an error).
     */
    String oneOf(List<String> allowed, String def) {
        String s = string();
        if (s == null) {
            return def;
        }
        if (!allowed.contains(s)) {
            error("must be one of " + String.join(", ", allowed) + " (was " + quote(s) + ")");
            return def;
        }
        return s;
    }

    /**
     * The text of a scalar (string, number, boolean), for values with their own syntax such as
     * durations and addresses; null if absent or not a scalar (the latter is an error).
     */
    String scalarText(String what) {
        if (value == null) {
            return null;
        }
        if (value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        expected(what);
        return null;
    }

    /**
     * A deep, order-preserving, unmodifiable copy of the raw value (maps, lists, scalars; nulls
     * kept), for values bound later by someone else, such as a filter's {@code config}.
     */
    Object rawCopy() {
        return copy(value, Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    private Object copy(Object v, Set<Object> ancestors) {
        if (!(v instanceof Map || v instanceof Collection)) {
            return v;
        }
        if (ancestors.size() >= MAX_DEPTH || !ancestors.add(v)) {
            error("nested deeper than " + MAX_DEPTH + " levels or recursive");
            return null;
        }
        Object out;
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                copy.put(e.getKey(), copy(e.getValue(), ancestors));
            }
            out = Collections.unmodifiableMap(copy);
        } else {
            List<Object> copy = new ArrayList<>();
            for (Object o : (Collection<?>) v) {
                copy.add(copy(o, ancestors));
            }
            out = Collections.unmodifiableList(copy);
        }
        ancestors.remove(v);
        return out;
    }

    /** {@code a string}, {@code a list}, ... for {@code expected X (was Y)} messages. */
    static String typeName(Object v) {
        if (v == null) {
            return "null";
        } else if (v instanceof String) {
            return "a string";
        } else if (v instanceof Integer || v instanceof Long || v instanceof java.math.BigInteger) {
            return "an integer";
        } else if (v instanceof Number) {
            return "a number";
        } else if (v instanceof Boolean) {
            return "a boolean";
        } else if (v instanceof Map) {
            return "a mapping";
        } else if (v instanceof List) {
            return "a list";
        } else if (v instanceof Set) {
            return "a set";
        } else if (v instanceof byte[]) {
            return "binary data";
        }
        return "a " + v.getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }

    /** A double-quoted string with backslash escapes, as errors show values. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** A mapping read with {@link #struct}: its declared keys, looked up by name. */
    static final class Struct {
        private final Node node;
        private final Map<?, ?> map;
        private final List<String> allowed;

        private Struct(Node node, Map<?, ?> map, List<String> allowed) {
            this.node = node;
            this.map = map;
            this.allowed = allowed;
        }

        /** The mapping node itself. */
        Node node() {
            return node;
        }

        /**
         * The value under a declared key; a node that is not {@link #isPresent() present} if the
         * key is missing (its errors are reported at the mapping's position).
         */
        Node get(String key) {
            if (!allowed.contains(key)) {
                throw new IllegalArgumentException("undeclared key " + key);
            }
            int i = 0;
            for (Object k : map.keySet()) {
                if (key.equals(k)) {
                    return node.child(key, i, map.get(k));
                }
                i++;
            }
            Node missing = node.child(key, 0, null);
            return new Node(null, missing.path, key, node.position, node.errors);
        }

        /** The declared keys present with a non-null value, in declaration order. */
        List<String> present(String... keys) {
            List<String> out = new ArrayList<>();
            for (String k : keys) {
                if (get(k).isPresent()) {
                    out.add(k);
                }
            }
            return out;
        }
    }
}
