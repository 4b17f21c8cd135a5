package io.weir.examples.allowlist;

import io.weir.spi.SharedData;
import java.nio.charset.StandardCharsets;

/**
 * Answers of the allow-list service kept in {@link SharedData}, so every worker sees them. A value
 * is {@code allow EXPIRY} or {@code deny EXPIRY}, the expiry in wall-clock milliseconds; the key is
 * the cluster and the call-out path, so two configs never share an entry.
 *
 * <p>Writes use compare-and-swap with the version read before the call-out: when another worker
 * stored an answer meanwhile, that answer is kept.
 */
final class DecisionCache {
    private DecisionCache() {}

    /** The fresh decision in {@code entry}: true (allow), false (deny), or null (none, stale). */
    static Boolean fresh(SharedData.Entry entry, long nowMillis) {
        if (entry == null) {
            return null;
        }
        String v = new String(entry.value(), StandardCharsets.UTF_8);
        int space = v.indexOf(' ');
        if (space < 0) {
            return null;
        }
        long expiry;
        try {
            expiry = Long.parseLong(v.substring(space + 1));
        } catch (NumberFormatException e) {
            return null;
        }
        if (nowMillis >= expiry) {
            return null;
        }
        return switch (v.substring(0, space)) {
            case "allow" -> Boolean.TRUE;
            case "deny" -> Boolean.FALSE;
            default -> null;
        };
    }

    /**
     * Stores a decision unless the entry changed since {@code seenVersion} (0: it was absent, and
     * the write is unconditional). Returns whether it was written.
     */
    static boolean store(
            SharedData data, String key, boolean allowed, long expiryMillis, long seenVersion) {
        byte[] value =
                ((allowed ? "allow " : "deny ") + expiryMillis).getBytes(StandardCharsets.UTF_8);
        return data.set(key, value, seenVersion);
    }
}
