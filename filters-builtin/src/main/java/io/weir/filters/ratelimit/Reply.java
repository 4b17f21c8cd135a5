package io.weir.filters.ratelimit;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * A RESP2 reply: a simple string ({@code +OK}), an error ({@code -ERR ...}), an integer ({@code
 * :1}), a bulk string ({@code $3 abc}, or nil) or an array ({@code *2 ...}, or nil). Immutable.
 */
sealed interface Reply {
    /** {@code +text}. */
    record Simple(String value) implements Reply {}

    /** {@code -CODE message}. */
    record Error(String message) implements Reply {
        /** The first word, such as {@code NOSCRIPT} or {@code ERR}. */
        String code() {
            int sp = message.indexOf(' ');
            return sp < 0 ? message : message.substring(0, sp);
        }
    }

    /** {@code :n}. */
    record Int(long value) implements Reply {}

    /** {@code $n} and n bytes; {@code value} is null for the nil bulk string ({@code $-1}). */
    record Bulk(byte[] value) implements Reply {
        static Bulk of(String s) {
            return new Bulk(s.getBytes(StandardCharsets.UTF_8));
        }

        /** The bytes as UTF-8, or null for nil. */
        String text() {
            return value == null ? null : new String(value, StandardCharsets.UTF_8);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bulk b && Arrays.equals(value, b.value);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return value == null ? "Bulk[nil]" : "Bulk[" + text() + "]";
        }
    }

    /** {@code *n} and n replies; {@code elements} is null for the nil array ({@code *-1}). */
    record Multi(List<Reply> elements) implements Reply {
        public Multi {
            elements = elements == null ? null : List.copyOf(elements);
        }
    }
}
