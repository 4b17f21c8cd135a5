package io.weir.kernel.http;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;

/**
 * One worker's open downstream connections, so a drain can reach them. The set is touched only on
 * the worker; {@link #open()} may be read from any thread.
 */
public final class ConnectionDrain {
    private final Set<HttpConnectionManager> conns = new HashSet<>();
    private volatile int open;
    private volatile boolean draining;

    void register(HttpConnectionManager c) {
        conns.add(c);
        open = conns.size();
        if (draining) {
            c.drainNow();
        }
    }

    void unregister(HttpConnectionManager c) {
        conns.remove(c);
        open = conns.size();
    }

    boolean draining() {
        return draining;
    }

    /** Open connections on this worker (any thread). */
    public int open() {
        return open;
    }

    /**
     * On the worker: from now on every response carries {@code connection: close}; idle connections
     * close at once.
     */
    public void startDrain() {
        draining = true;
        for (HttpConnectionManager c : new ArrayList<>(conns)) {
            c.drainNow();
        }
    }

    /** On the worker: closes every connection now (the drain timed out). */
    public void closeAll() {
        for (HttpConnectionManager c : new ArrayList<>(conns)) {
            c.close();
        }
    }
}
