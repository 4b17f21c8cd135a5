package io.weir.kernel.http1;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * An ordered multimap of HTTP header fields with lower-case names, as parsed or as to be sent.
 * Owned by one stream on one worker thread; not thread-safe. Names given to lookups must already be
 * lower case.
 */
public final class HeaderMap {
    private String[] kv;
    private int size;

    public HeaderMap() {
        this(16);
    }

    public HeaderMap(int expected) {
        kv = new String[Math.max(4, expected * 2)];
    }

    /** Number of fields (a name with two values counts twice). */
    public int size() {
        return size;
    }

    public String name(int i) {
        return kv[i * 2];
    }

    public String value(int i) {
        return kv[i * 2 + 1];
    }

    /** Appends a field; {@code name} must be lower case. */
    public void add(String name, String value) {
        int at = size * 2;
        if (at == kv.length) {
            String[] n = new String[kv.length * 2];
            System.arraycopy(kv, 0, n, 0, kv.length);
            kv = n;
        }
        kv[at] = name;
        kv[at + 1] = value;
        size++;
    }

    /** The first value of {@code name}, or null. */
    public String get(String name) {
        for (int i = 0; i < size; i++) {
            if (kv[i * 2].equals(name)) {
                return kv[i * 2 + 1];
            }
        }
        return null;
    }

    /** Every value of {@code name}, in order. */
    public List<String> getAll(String name) {
        List<String> out = new ArrayList<>(2);
        for (int i = 0; i < size; i++) {
            if (kv[i * 2].equals(name)) {
                out.add(kv[i * 2 + 1]);
            }
        }
        return out;
    }

    public int count(String name) {
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (kv[i * 2].equals(name)) {
                n++;
            }
        }
        return n;
    }

    public boolean contains(String name) {
        return get(name) != null;
    }

    /** Replaces every value of {@code name} with one. */
    public void set(String name, String value) {
        for (int i = 0; i < size; i++) {
            if (kv[i * 2].equals(name)) {
                kv[i * 2 + 1] = value;
                removeFrom(name, i + 1);
                return;
            }
        }
        add(name, value);
    }

    /** Removes every field named {@code name}; returns whether any was present. */
    public boolean remove(String name) {
        int before = size;
        removeFrom(name, 0);
        return size != before;
    }

    /** Removes every field whose name {@code test} accepts, in one pass. */
    public void removeIf(java.util.function.Predicate<String> test) {
        removeFrom(0, test);
    }

    /**
     * Removes the fields from index {@code start} on named {@code name}. Not {@code
     * removeFrom(start, name::equals)}: on the request path that made a predicate per call, and the
     * predicate call site sees several classes, so it was not inlined.
     */
    private void removeFrom(String name, int start) {
        int n = size;
        int r = start;
        while (r < n && !kv[r * 2].equals(name)) { // nothing moves before the first match
            r++;
        }
        if (r == n) {
            return;
        }
        int w = r;
        for (r++; r < n; r++) {
            if (!kv[r * 2].equals(name)) {
                kv[w * 2] = kv[r * 2];
                kv[w * 2 + 1] = kv[r * 2 + 1];
                w++;
            }
        }
        truncate(w);
    }

    /** Removes the fields from index {@code start} on whose name {@code test} accepts. */
    private void removeFrom(int start, java.util.function.Predicate<String> test) {
        int w = start;
        for (int r = start; r < size; r++) {
            if (!test.test(kv[r * 2])) {
                if (w != r) {
                    kv[w * 2] = kv[r * 2];
                    kv[w * 2 + 1] = kv[r * 2 + 1];
                }
                w++;
            }
        }
        truncate(w);
    }

    /** Keeps the first {@code n} fields, clearing the slots of the rest. */
    private void truncate(int n) {
        for (int i = n * 2; i < size * 2; i++) {
            kv[i] = null;
        }
        size = n;
    }

    public void forEach(BiConsumer<String, String> action) {
        for (int i = 0; i < size; i++) {
            action.accept(kv[i * 2], kv[i * 2 + 1]);
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < size; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(kv[i * 2]).append(": ").append(kv[i * 2 + 1]);
        }
        return sb.append('}').toString();
    }
}
