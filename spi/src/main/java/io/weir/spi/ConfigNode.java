package io.weir.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A value of a filter's {@code config:} block with its YAML path, for binding it to a record and
 * reporting errors the way Weir does: {@code listeners[0].http.filters[2].config.tokens_per_fill:
 * must be > 0 (was 0)}. Getters never throw: a missing or wrong value records an error and returns
 * the default (or null), so one pass reports every problem of the block.
 *
 * <p>The raw values are what YAML gives: {@code Map<String, Object>} (in file order), {@code
 * List<Object>}, {@code String}, {@code Integer}/{@code Long}/{@code BigInteger}, {@code Double},
 * {@code Boolean}, or null.
 *
 * <p>Threading: confined to the thread that calls {@link HttpFilterFactory#parseConfig}.
 */
public final class ConfigNode {
    private final Object raw;
    private final String path;
    private final Consumer<String> errors;
    private final java.nio.file.Path baseDir;

    private ConfigNode(
            Object raw, String path, Consumer<String> errors, java.nio.file.Path baseDir) {
        this.raw = raw;
        this.path = path;
        this.errors = errors;
        this.baseDir = baseDir;
    }

    private ConfigNode(Object raw, String path, Consumer<String> errors) {
        this(raw, path, errors, null);
    }

    /**
     * A root node. {@code errors} receives each error as {@code path: message}; Weir uses it to
     * collect them, tests can pass {@code list::add}.
     */
    public static ConfigNode of(Object raw, String path, Consumer<String> errors) {
        return new ConfigNode(raw, path, errors);
    }

    /**
     * A root node whose relative paths ({@link #asPath}) resolve against {@code baseDir}, the
     * directory of the config file.
     */
    public static ConfigNode of(
            Object raw, String path, Consumer<String> errors, java.nio.file.Path baseDir) {
        return new ConfigNode(raw, path, errors, baseDir);
    }

    /** The directory relative paths resolve against: the config file's, or the working one. */
    public java.nio.file.Path baseDir() {
        return baseDir != null ? baseDir : java.nio.file.Path.of("").toAbsolutePath();
    }

    /** A file path, resolved against {@link #baseDir()} when relative; null when missing. */
    public java.nio.file.Path asPath() {
        String s = asString(null);
        if (s == null) {
            return null;
        }
        try {
            return baseDir().resolve(s).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            error("invalid path \"" + s + "\": " + e.getReason());
            return null;
        }
    }

    /** The raw YAML value (see the class comment). */
    public Object raw() {
        return raw;
    }

    /** This node's YAML path. */
    public String path() {
        return path;
    }

    /** Whether the value is absent (or YAML null). */
    public boolean isMissing() {
        return raw == null;
    }

    /** Records an error at this path. */
    public void error(String message) {
        errors.accept(path + ": " + message);
    }

    /** Whether this is a map. */
    public boolean isMap() {
        return raw instanceof Map;
    }

    /** The child {@code key} of a map (a missing node when absent or when this is not a map). */
    public ConfigNode get(String key) {
        Object v = raw instanceof Map<?, ?> m ? m.get(key) : null;
        return new ConfigNode(v, path + "." + key, errors, baseDir);
    }

    /**
     * Checks that this is a map (a missing node counts as an empty map) and reports each key not in
     * {@code allowed} as unknown. Returns false when this is not a map.
     */
    public boolean expectMap(String... allowed) {
        if (raw == null) {
            return true;
        }
        if (!(raw instanceof Map<?, ?> m)) {
            error("expected a map (was " + describe(raw) + ")");
            return false;
        }
        Set<String> ok = new LinkedHashSet<>(List.of(allowed));
        for (Object k : m.keySet()) {
            if (!ok.contains(String.valueOf(k))) {
                new ConfigNode(null, path + "." + k, errors)
                        .error("unknown key (expected one of: " + String.join(", ", ok) + ")");
            }
        }
        return true;
    }

    /** The keys of a map in file order; empty otherwise. */
    public List<String> keys() {
        if (!(raw instanceof Map<?, ?> m)) {
            return List.of();
        }
        List<String> keys = new ArrayList<>();
        for (Object k : m.keySet()) {
            keys.add(String.valueOf(k));
        }
        return keys;
    }

    /** The elements of a list; a missing node is an empty list; anything else is an error. */
    public List<ConfigNode> list() {
        if (raw == null) {
            return List.of();
        }
        if (!(raw instanceof List<?> l)) {
            error("expected a list (was " + describe(raw) + ")");
            return List.of();
        }
        List<ConfigNode> out = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) {
            out.add(new ConfigNode(l.get(i), path + "[" + i + "]", errors, baseDir));
        }
        return Collections.unmodifiableList(out);
    }

    /** A required non-empty string; null after recording an error. */
    public String requireString() {
        if (raw == null) {
            error("is required");
            return null;
        }
        return asString(null);
    }

    /** A string, or {@code def} when missing; numbers and booleans are not strings. */
    public String asString(String def) {
        if (raw == null) {
            return def;
        }
        if (!(raw instanceof String s)) {
            error("expected a string (was " + describe(raw) + ")");
            return def;
        }
        if (s.isEmpty()) {
            error("must not be empty");
            return def;
        }
        return s;
    }

    /** A boolean, or {@code def} when missing. */
    public boolean asBoolean(boolean def) {
        if (raw == null) {
            return def;
        }
        if (!(raw instanceof Boolean b)) {
            error("expected true or false (was " + describe(raw) + ")");
            return def;
        }
        return b;
    }

    /** A whole number in {@code [min, max]}, or {@code def} when missing. */
    public long asLong(long def, long min, long max) {
        if (raw == null) {
            return def;
        }
        if (!(raw instanceof Integer || raw instanceof Long)) {
            error("expected a whole number (was " + describe(raw) + ")");
            return def;
        }
        long v = ((Number) raw).longValue();
        if (v < min) {
            error("must be >= " + min + " (was " + v + ")");
            return def;
        }
        if (v > max) {
            error("must be <= " + max + " (was " + v + ")");
            return def;
        }
        return v;
    }

    /** A whole number in {@code [min, max]}, or {@code def} when missing. */
    public int asInt(int def, int min, int max) {
        return (int) asLong(def, min, max);
    }

    /** A number (whole or not) in {@code [min, max]}, or {@code def} when missing. */
    public double asDouble(double def, double min, double max) {
        if (raw == null) {
            return def;
        }
        if (!(raw instanceof Number n) || !Double.isFinite(n.doubleValue())) {
            error("expected a number (was " + describe(raw) + ")");
            return def;
        }
        double v = n.doubleValue();
        if (v < min || v > max) {
            error("must be between " + fmt(min) + " and " + fmt(max) + " (was " + fmt(v) + ")");
            return def;
        }
        return v;
    }

    /**
     * A duration such as {@code 250ms}, {@code 1.5s}, {@code 2m}, {@code 1h} (units ms, s, m, h),
     * or {@code def} when missing.
     */
    public Duration asDuration(Duration def) {
        if (raw == null) {
            return def;
        }
        Duration d = raw instanceof String s ? parseDuration(s) : null;
        if (d == null) {
            error("expected a duration such as 250ms, 1s, 2m, 1h (was " + describe(raw) + ")");
            return def;
        }
        return d;
    }

    /** One of {@code choices}, or {@code def} when missing. */
    public String asEnum(String def, String... choices) {
        String s = asString(null);
        if (s == null) {
            return def;
        }
        for (String c : choices) {
            if (c.equals(s)) {
                return s;
            }
        }
        error("expected one of: " + String.join(", ", choices) + " (was " + s + ")");
        return def;
    }

    /** A map's entries as strings (values must be strings); empty when missing. */
    public Map<String, String> asStringMap() {
        if (raw == null || !expectMapOnly()) {
            return Map.of();
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String k : keys()) {
            String v = get(k).asString(null);
            if (v != null) {
                out.put(k, v);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private boolean expectMapOnly() {
        if (!(raw instanceof Map)) {
            error("expected a map (was " + describe(raw) + ")");
            return false;
        }
        return true;
    }

    static Duration parseDuration(String s) {
        String t = s.trim();
        int i = 0;
        while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.')) {
            i++;
        }
        if (i == 0 || i == t.length()) {
            return null;
        }
        double n;
        try {
            n = Double.parseDouble(t.substring(0, i));
        } catch (NumberFormatException e) {
            return null;
        }
        double nanos;
        switch (t.substring(i)) {
            case "ms" -> nanos = n * 1e6;
            case "s" -> nanos = n * 1e9;
            case "m" -> nanos = n * 60e9;
            case "h" -> nanos = n * 3600e9;
            default -> {
                return null;
            }
        }
        return nanos > 3.1536e18 ? null : Duration.ofNanos((long) nanos);
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15
                ? Long.toString((long) d)
                : Double.toString(d);
    }

    private static String describe(Object v) {
        if (v instanceof Map) {
            return "a map";
        }
        if (v instanceof List) {
            return "a list";
        }
        if (v instanceof String s) {
            return "\"" + s + "\"";
        }
        return String.valueOf(v);
    }
}
