package io.weir.kernel.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The errors of one config load, each {@code path: message}, returned in file order (the order of
 * the values they are about, not the order they were found in). Not thread-safe.
 */
final class ConfigErrors {
    private static final class Entry {
        final int[] position;
        final int seq;
        final String text;

        Entry(int[] position, int seq, String text) {
            this.position = position;
            this.seq = seq;
            this.text = text;
        }
    }

    private final List<Entry> entries = new ArrayList<>();

    void add(int[] position, String text) {
        entries.add(new Entry(position, entries.size(), text));
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    /**
     * The messages sorted by the position of the value they are about (a mapping before its
     * contents), then by the order they were found.
     */
    List<String> inFileOrder() {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(
                (a, b) -> {
                    int c = Arrays.compare(a.position, b.position);
                    return c != 0 ? c : Integer.compare(a.seq, b.seq);
                });
        List<String> out = new ArrayList<>(sorted.size());
        for (Entry e : sorted) {
            if (!out.contains(e.text)) {
                out.add(e.text);
            }
        }
        return out;
    }
}
