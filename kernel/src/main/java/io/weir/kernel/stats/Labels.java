package io.weir.kernel.stats;

import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * Validated label pairs of one series: kept in the order given for rendering, identified by the
 * pairs sorted by name, so {@code ("a","1","b","2")} and {@code ("b","2","a","1")} are one series.
 */
final class Labels {
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    static final Labels EMPTY = new Labels(new String[0], "");

    private final String[] pairs;
    private final String key;

    private Labels(String[] pairs, String key) {
        this.pairs = pairs;
        this.key = key;
    }

    static Labels of(String metric, String... nameValuePairs) {
        if (nameValuePairs == null || nameValuePairs.length == 0) {
            return EMPTY;
        }
        if (nameValuePairs.length % 2 != 0) {
            throw new IllegalArgumentException(
                    metric
                            + ": labels must be name/value pairs (got "
                            + nameValuePairs.length
                            + " strings)");
        }
        String[] pairs = nameValuePairs.clone();
        int n = pairs.length / 2;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            String name = pairs[2 * i];
            String value = pairs[2 * i + 1];
            if (name == null || !LABEL_NAME.matcher(name).matches() || name.startsWith("__")) {
                throw new IllegalArgumentException(metric + ": invalid label name " + name);
            }
            if (value == null) {
                throw new IllegalArgumentException(
                        metric + ": label " + name + " has a null value");
            }
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> pairs[2 * x].compareTo(pairs[2 * y]));
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String name = pairs[2 * order[i]];
            if (i > 0 && name.equals(pairs[2 * order[i - 1]])) {
                throw new IllegalArgumentException(metric + ": duplicate label " + name);
            }
            key.append(name).append('\0').append(pairs[2 * order[i] + 1]).append('\0');
        }
        return new Labels(pairs, key.toString());
    }

    /** The identity of the series within its family. */
    String key() {
        return key;
    }

    boolean has(String name) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i].equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** Appends {@code {a="x",b="y"}} (nothing when empty), plus an optional extra pair last. */
    void render(StringBuilder out, String extraName, String extraValue) {
        if (pairs.length == 0 && extraName == null) {
            return;
        }
        out.append('{');
        for (int i = 0; i < pairs.length; i += 2) {
            if (i > 0) {
                out.append(',');
            }
            out.append(pairs[i]).append("=\"");
            escapeLabelValue(out, pairs[i + 1]);
            out.append('"');
        }
        if (extraName != null) {
            if (pairs.length > 0) {
                out.append(',');
            }
            out.append(extraName).append("=\"");
            escapeLabelValue(out, extraValue);
            out.append('"');
        }
        out.append('}');
    }

    /** Prometheus text format: backslash, double quote and line feed are escaped. */
    static void escapeLabelValue(StringBuilder out, String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        render(sb, null, null);
        return sb.toString();
    }
}
