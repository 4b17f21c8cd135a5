package io.weir.filters.basicauth;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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
