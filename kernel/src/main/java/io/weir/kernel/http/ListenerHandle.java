package io.weir.kernel.http;

/**
 * The current {@link ListenerRuntime} of one listener, swapped whole by a reload. Connections read
 * it at the start of each request, so requests in flight finish on the runtime they started with.
 * Thread-safe (a volatile reference).
 */
public final class ListenerHandle {
    private volatile ListenerRuntime current;
    private volatile boolean draining;

    public ListenerHandle(ListenerRuntime initial) {
        this.current = initial;
    }

    public ListenerRuntime current() {
        return current;
    }

    /** The listener was removed: its connections close after their current request. */
    public void drain() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    /** Installs {@code next}; returns the runtime it replaced. */
    public ListenerRuntime swap(ListenerRuntime next) {
        ListenerRuntime old = current;
        current = next;
        return old;
    }
}
