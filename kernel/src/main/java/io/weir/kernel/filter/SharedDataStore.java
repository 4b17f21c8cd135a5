package io.weir.kernel.filter;

import io.weir.spi.SharedData;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One namespace of shared data: a concurrent map of versioned values with compare-and-swap, shared
 * by all workers. Thread-safe and lock-free for readers; values are copied in and out.
 */
final class SharedDataStore implements SharedData {
    private final ConcurrentHashMap<String, Entry> map = new ConcurrentHashMap<>();

    @Override
    public Entry get(String key) {
        Entry e = map.get(key);
        return e == null ? null : new Entry(e.value().clone(), e.version());
    }

    @Override
    public boolean set(String key, byte[] value, long expectedVersion) {
        byte[] copy = value == null ? new byte[0] : value.clone();
        boolean[] ok = {true};
        map.compute(
                key,
                (k, old) -> {
                    long current = old == null ? 0 : old.version();
                    if (expectedVersion != 0 && expectedVersion != current) {
                        ok[0] = false;
                        return old;
                    }
                    return new Entry(copy, current + 1);
                });
        return ok[0];
    }

    int size() {
        return map.size();
    }
}
