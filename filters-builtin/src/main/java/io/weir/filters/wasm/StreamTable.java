package io.weir.filters.wasm;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * A VM's live stream contexts by id, without boxing: context ids are handed out in sequence and
 * streams are short-lived, so a stream sits in the ring slot of its id's low bits; only a stream
 * whose slot is still held by an older live one (more than {@link #RING} streams in flight on one
 * VM) goes to a map. A stream leaves by {@link #remove}, or, when its module has no {@code
 * proxy_on_done} or {@code proxy_on_delete} to call at its end, by having ended ({@link
 * WasmStream#live()}): the kernel then has no {@code onDestroy} to run for it, and a stale entry is
 * never answered and is overwritten by the next stream that needs its slot. Confined to the VM's
 * worker thread, like the VM.
 */
final class StreamTable {
    static final int RING = 1024;
    private final WasmStream[] ring = new WasmStream[RING];
    private final Map<Integer, WasmStream> overflow = new HashMap<>();

    void put(int id, WasmStream s) {
        int i = id & (RING - 1);
        WasmStream held = ring[i];
        if (held == null || held.id == id || !held.live()) {
            ring[i] = s;
        } else {
            if (!overflow.isEmpty()) { // rare: drop the ended ones before adding
                overflow.values().removeIf(w -> !w.live());
            }
            overflow.put(id, s);
        }
    }

    WasmStream get(int id) {
        WasmStream s = ring[id & (RING - 1)];
        if (s != null && s.id == id) {
            return s.live() ? s : null;
        }
        if (overflow.isEmpty()) {
            return null;
        }
        s = overflow.get(id);
        return s != null && s.live() ? s : null;
    }

    void remove(int id) {
        int i = id & (RING - 1);
        WasmStream s = ring[i];
        if (s != null && s.id == id) {
            ring[i] = null;
        } else if (!overflow.isEmpty()) {
            overflow.remove(id);
        }
    }

    /** How many streams wait in the map because their ring slot was held (for tests). */
    int overflowSize() {
        return overflow.size();
    }

    /** How many streams are live (for tests: they leave when their request ends). */
    int size() {
        int n = 0;
        for (Iterator<WasmStream> it = overflow.values().iterator(); it.hasNext(); ) {
            if (it.next().live()) {
                n++;
            }
        }
        for (WasmStream s : ring) {
            if (s != null && s.live()) {
                n++;
            }
        }
        return n;
    }
}
