package io.weir.filters.wasm;

import java.util.HashMap;
import java.util.Map;

/**
 * A VM's live stream contexts by id, without boxing: context ids are handed out in sequence and
 * streams are short-lived, so a stream sits in the ring slot of its id's low bits; only a stream
 * whose slot is still held by an older live one (more than {@link #RING} streams in flight on one
 * VM) goes to a map. Confined to the VM's worker thread, like the VM.
 */
final class StreamTable {
    static final int RING = 1024;
    private final WasmStream[] ring = new WasmStream[RING];
    private final Map<Integer, WasmStream> overflow = new HashMap<>();

    void put(int id, WasmStream s) {
        int i = id & (RING - 1);
        WasmStream held = ring[i];
        if (held == null || held.id == id) {
            ring[i] = s;
        } else {
            overflow.put(id, s);
        }
    }

    WasmStream get(int id) {
        WasmStream s = ring[id & (RING - 1)];
        if (s != null && s.id == id) {
            return s;
        }
        return overflow.isEmpty() ? null : overflow.get(id);
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
        int n = overflow.size();
        for (WasmStream s : ring) {
            if (s != null) {
                n++;
            }
        }
        return n;
    }
}
