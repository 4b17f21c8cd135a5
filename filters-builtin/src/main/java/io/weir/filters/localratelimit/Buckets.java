package io.weir.filters.localratelimit;

import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The token buckets of one configured filter (or one route override), shared by every worker: a
 * single bucket, or one per key with at most {@code maxKeys} of them.
 *
 * <p>Per key: a lookup is a {@link ConcurrentHashMap} read plus a use stamp from a shared counter
 * (no lock). Creating a bucket takes a lock and, when the map is full, evicts the least recently
 * used key: a priority queue holds each key at the stamp it was queued with; the head is evicted
 * unless it was used since it was queued, in which case it is requeued at its last use and the next
 * head is tried. Each use is requeued at most once, so eviction is amortised O(log n), and the
 * order is exact LRU except between two uses of one key that race (the later stamp may be
 * overwritten by the earlier).
 *
 * <p>A bucket starts at its first request (see {@link TokenBucket}). Thread-safe.
 */
final class Buckets {
    private final long maxTokens;
    private final long tokensPerFill;
    private final long intervalNanos;
    private final int maxKeys;
    private final AtomicReference<TokenBucket> single = new AtomicReference<>();
    private final ConcurrentHashMap<String, Entry> byKey;
    private final AtomicLong stamps = new AtomicLong();
    private final PriorityQueue<Entry> order; // guarded by itself
    private final AtomicLong evictions = new AtomicLong();

    private static final class Entry {
        final String key;
        final TokenBucket bucket;
        volatile long lastUsed;
        long queued; // guarded by order; written only while out of the queue

        Entry(String key, TokenBucket bucket, long stamp) {
            this.key = key;
            this.bucket = bucket;
            this.lastUsed = stamp;
            this.queued = stamp;
        }
    }

    /** No bucket yet: each is created full at its first request, one per key when keyed. */
    Buckets(long maxTokens, long tokensPerFill, long intervalNanos, int maxKeys, boolean keyed) {
        this.maxTokens = maxTokens;
        this.tokensPerFill = tokensPerFill;
        this.intervalNanos = intervalNanos;
        this.maxKeys = maxKeys;
        this.byKey = keyed ? new ConcurrentHashMap<>() : null;
        this.order = keyed ? new PriorityQueue<>((a, b) -> Long.compare(a.queued, b.queued)) : null;
    }

    /** The bucket for {@code key} (ignored when not keyed), created at {@code nowNanos}. */
    TokenBucket bucket(String key, long nowNanos) {
        if (byKey == null) {
            TokenBucket b = single.get();
            if (b == null) {
                single.compareAndSet(null, newBucket(nowNanos));
                b = single.get();
            }
            return b;
        }
        Entry e = byKey.get(key);
        long stamp = stamps.incrementAndGet();
        if (e != null) {
            e.lastUsed = stamp;
            return e.bucket;
        }
        synchronized (order) {
            e = byKey.get(key);
            if (e != null) {
                e.lastUsed = stamp;
                return e.bucket;
            }
            while (byKey.size() >= maxKeys) {
                evictOne();
            }
            e = new Entry(key, newBucket(nowNanos), stamp);
            byKey.put(key, e);
            order.add(e);
            return e.bucket;
        }
    }

    /** How many keys have a bucket. */
    int size() {
        return byKey == null ? (single.get() == null ? 0 : 1) : byKey.size();
    }

    /** How many buckets were evicted to make room. */
    long evictions() {
        return evictions.get();
    }

    private void evictOne() {
        while (true) {
            Entry head = order.poll();
            long used = head.lastUsed;
            if (used != head.queued) {
                head.queued = used;
                order.add(head);
                continue;
            }
            byKey.remove(head.key, head);
            evictions.incrementAndGet();
            return;
        }
    }

    private TokenBucket newBucket(long nowNanos) {
        return new TokenBucket(maxTokens, tokensPerFill, intervalNanos, nowNanos);
    }
}
