package io.weir.filters.rbac;

import java.util.Locale;

/**
 * Istio's string match: exact, {@code prefix*}, {@code *suffix}, or {@code *} (any value that is
 * present). Not a regex. Immutable.
 */
record StringPattern(Kind kind, String text, boolean ignoreCase) {
    enum Kind {
        EXACT,
        PREFIX,
        SUFFIX,
        ANY
    }

    /** The pattern for {@code s}, or null when a {@code *} is anywhere but first or last. */
    static StringPattern parse(String s, boolean ignoreCase) {
        String t = ignoreCase ? s.toLowerCase(Locale.ROOT) : s;
        if (t.equals("*")) {
            return new StringPattern(Kind.ANY, "", ignoreCase);
        }
        int star = t.indexOf('*');
        if (star < 0) {
            return new StringPattern(Kind.EXACT, t, ignoreCase);
        }
        if (t.indexOf('*', star + 1) >= 0) {
            return null;
        }
        if (star == t.length() - 1) {
            return new StringPattern(Kind.PREFIX, t.substring(0, star), ignoreCase);
        }
        if (star == 0) {
            return new StringPattern(Kind.SUFFIX, t.substring(1), ignoreCase);
        }
        return null;
    }

    /** Whether {@code value} matches; a null (absent) value never does. */
    boolean matches(String value) {
        if (value == null) {
            return false;
        }
        String v = ignoreCase ? value.toLowerCase(Locale.ROOT) : value;
        return switch (kind) {
            case EXACT -> v.equals(text);
            case PREFIX -> v.startsWith(text);
            case SUFFIX -> v.endsWith(text);
            case ANY -> true;
        };
    }
}
