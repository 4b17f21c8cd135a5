package io.weir.spi;

import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A header (or trailer) map of one message. Names are compared case-insensitively and reported in
 * lower case. Request headers also answer the pseudo-headers {@code :method}, {@code :path} (with
 * the query), {@code :authority} and {@code :scheme}, response headers {@code :status}; setting a
 * pseudo-header changes the message (for example the upstream path), removing one is ignored.
 *
 * <p>Threading: the stream's worker only. Ownership: the kernel's map, changed in place; it is the
 * map that is forwarded.
 */
public interface Headers {
    /** The first value of {@code name}, or null. */
    String get(String name);

    /** Every value of {@code name} in order; empty when absent. */
    List<String> getAll(String name);

    /** Whether {@code name} is present. */
    default boolean contains(String name) {
        return get(name) != null;
    }

    /** Replaces every value of {@code name} with {@code value}. */
    void set(String name, String value);

    /** Appends a value of {@code name}. */
    void add(String name, String value);

    /** Removes every value of {@code name}. */
    void remove(String name);

    /** Each field in order, pseudo-headers first. */
    void forEach(BiConsumer<String, String> action);

    /** Each field in order, pseudo-headers first, as a fresh list. */
    List<Map.Entry<String, String>> entries();

    /** The number of fields, pseudo-headers included. */
    default int size() {
        return entries().size();
    }
}
