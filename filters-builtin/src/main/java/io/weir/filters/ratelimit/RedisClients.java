package io.weir.filters.ratelimit;

import java.util.HashMap;
import java.util.Map;

/**
 * The process-wide {@link RedisClient}s, one per {@link RedisTarget} (address and password),
 * reference-counted by the filter roots: opened by the first {@link #acquire}, closed by the last
 * {@link #release}. A config reload creates the new roots before the old ones are done, so the
 * connection stays open across reloads. Thread-safe.
 */
final class RedisClients implements Connections {
    /** The one instance the filter uses. */
    static final RedisClients SHARED = new RedisClients();

    private final Map<RedisTarget, Held> clients = new HashMap<>();

    private static final class Held {
        final RedisClient client;
        int refs;

        Held(RedisClient client) {
            this.client = client;
        }
    }

    @Override
    public synchronized RedisClient acquire(RedisTarget target) {
        Held h = clients.computeIfAbsent(target, t -> new Held(new RedisClient(t).start()));
        h.refs++;
        return h.client;
    }

    @Override
    public synchronized void release(RedisTarget target) {
        Held h = clients.get(target);
        if (h != null && --h.refs == 0) {
            clients.remove(target);
            h.client.close();
        }
    }

    /** The open clients (for tests). */
    synchronized int open() {
        return clients.size();
    }
}
