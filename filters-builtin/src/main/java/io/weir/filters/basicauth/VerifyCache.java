package io.weir.filters.basicauth;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Recently verified credentials, so that a client sending the same right password again does not
 * pay bcrypt each time. It holds <b>successes only</b>, keyed by {@code SHA-256(user ":" password
 * salt)} with a random salt per process (the entries are useless outside this process and do not
 * reveal passwords). A wrong password hashes to another key, so it can never hit. Bounded by {@code
 * maxEntries}; entries expire {@code ttl} after the verification. One cache per loaded htpasswd
 * file: a reload starts an empty one. Thread-safe, lock-free lookups.
 */
final class VerifyCache {
    private static final byte[] SALT = new byte[32];

    static {
        new SecureRandom().nextBytes(SALT);
    }

    private final long ttlNanos;
    private final int maxEntries;
    private final Map<ByteBuffer, Long> entries = new ConcurrentHashMap<>();

    VerifyCache(long ttlNanos, int maxEntries) {
        this.ttlNanos = ttlNanos;
        this.maxEntries = maxEntries;
    }

    boolean enabled() {
        return ttlNanos > 0 && maxEntries > 0;
    }

    int size() {
        return entries.size();
    }

    /** One digest per thread: getInstance looks the provider up each time (the hot path). */
    private static final ThreadLocal<MessageDigest> SHA256 =
            ThreadLocal.withInitial(
                    () -> {
                        try {
                            return MessageDigest.getInstance("SHA-256");
                        } catch (NoSuchAlgorithmException e) {
                            throw new IllegalStateException("the JDK has no SHA-256", e);
                        }
                    });

    /** The cache key of these credentials (raw password bytes). */
    static byte[] key(String user, byte[] password) {
        MessageDigest d = SHA256.get();
        d.update(user.getBytes(StandardCharsets.UTF_8));
        d.update((byte) ':');
        d.update(password);
        d.update(SALT);
        return d.digest(); // also resets it
    }

    /** Whether {@code key} was verified less than {@code ttl} before {@code now} (nanoTime). */
    boolean hit(byte[] key, long now) {
        ByteBuffer k = ByteBuffer.wrap(key);
        Long expires = entries.get(k);
        if (expires == null) {
            return false;
        }
        if (now - expires >= 0) {
            entries.remove(k, expires);
            return false;
        }
        return true;
    }

    /** Verifications in flight by key, with the requests waiting for each. */
    private final Map<ByteBuffer, List<Consumer<Boolean>>> pending = new ConcurrentHashMap<>();

    /**
     * Registers {@code waiter} for the verification of {@code key}: true when one is already in
     * flight (the waiter is called by its {@link #complete}), false when the caller is the first
     * and must start it (and call {@link #complete} when it ends).
     */
    boolean join(byte[] key, Consumer<Boolean> waiter) {
        boolean[] joined = {false};
        pending.compute(
                ByteBuffer.wrap(key),
                (k, list) -> {
                    if (list == null) {
                        list = new ArrayList<>();
                    } else {
                        joined[0] = true;
                    }
                    list.add(waiter);
                    return list;
                });
        return joined[0];
    }

    /** Ends the verification of {@code key}: every waiter gets {@code ok} (null: not run). */
    void complete(byte[] key, Boolean ok) {
        List<Consumer<Boolean>> waiters = pending.remove(ByteBuffer.wrap(key));
        if (waiters != null) {
            for (Consumer<Boolean> w : waiters) {
                w.accept(ok);
            }
        }
    }

    /** Records a successful verification at {@code now}. */
    void put(byte[] key, long now) {
        if (!enabled()) {
            return;
        }
        if (entries.size() >= maxEntries) {
            entries.values().removeIf(expires -> now - expires >= 0);
        }
        Iterator<ByteBuffer> it = entries.keySet().iterator();
        while (entries.size() >= maxEntries && it.hasNext()) {
            it.next();
            it.remove(); // full of live entries: drop any
        }
        entries.put(ByteBuffer.wrap(key.clone()), now + ttlNanos);
    }
}
