package io.weir.filters.jwtauthn;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokens of one provider whose signature and claims were verified, keyed by the SHA-256 of the
 * token text, so that a client sending the same token again costs a hash and a lookup instead of an
 * RSA verification. An entry lives until the token's {@code exp} (plus the clock skew) and no
 * longer; the caller still checks {@code exp} and {@code nbf} against its clock on a hit. Only
 * successes are stored. Bounded by {@code maxEntries} (0 turns it off); emptied when the provider's
 * keys change, so a key removed from the JWKS stops its tokens at once. Thread-safe.
 */
final class TokenCache {
    /**
     * A verified token: its claims (plain Java values), its {@code nbf} and {@code exp} (epoch ms;
     * MIN/MAX when absent) and when the entry goes ({@code exp} plus the clock skew).
     */
    record Entry(
            Map<String, Object> claims,
            long notBeforeMillis,
            long expiresMillis,
            long dropAfterMillis) {}

    private static final ThreadLocal<MessageDigest> SHA256 =
            ThreadLocal.withInitial(
                    () -> {
                        try {
                            return MessageDigest.getInstance("SHA-256");
                        } catch (NoSuchAlgorithmException e) {
                            throw new IllegalStateException("the JDK has no SHA-256", e);
                        }
                    });

    private final int maxEntries;
    private final Map<ByteBuffer, Entry> entries = new ConcurrentHashMap<>();

    TokenCache(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    boolean enabled() {
        return maxEntries > 0;
    }

    int size() {
        return entries.size();
    }

    static ByteBuffer key(String token) {
        return ByteBuffer.wrap(SHA256.get().digest(token.getBytes(StandardCharsets.US_ASCII)));
    }

    /** The entry, or null; an entry past {@code dropAfterMillis} is dropped. */
    Entry get(ByteBuffer key, long nowMillis) {
        Entry e = entries.get(key);
        if (e != null && nowMillis > e.dropAfterMillis()) {
            entries.remove(key, e);
            return null;
        }
        return e;
    }

    void put(ByteBuffer key, Entry e, long nowMillis) {
        if (!enabled()) {
            return;
        }
        if (entries.size() >= maxEntries) {
            entries.values().removeIf(x -> nowMillis > x.dropAfterMillis());
            Iterator<ByteBuffer> it = entries.keySet().iterator();
            while (entries.size() >= maxEntries && it.hasNext()) {
                it.next();
                it.remove(); // full of live entries: drop any
            }
        }
        entries.put(key, e);
    }

    void clear() {
        entries.clear();
    }
}
