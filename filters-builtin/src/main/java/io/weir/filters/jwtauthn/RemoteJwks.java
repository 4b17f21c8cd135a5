package io.weir.filters.jwtauthn;

import io.weir.spi.FilterContext;
import io.weir.spi.HttpCallRequest;
import io.weir.spi.HttpCallResponse;
import java.text.ParseException;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A JWKS fetched through a cluster with the SPI's call-out, shared by every worker of the process.
 * At most one fetch is in flight; requests that need it wait and are resumed when it ends (each on
 * its own worker: a waiter posts itself back with its context's executor). The keys are refreshed
 * when {@code cache_duration} has passed (in the background: requests go on with the old keys) and
 * when a token names an unknown {@code kid}, at most once per {@code refetch_min_interval}. A
 * failed fetch keeps the keys there were. Thread-safe.
 */
final class RemoteJwks {
    /** Without keys, a failed first fetch is retried after this long at the earliest. */
    static final long RETRY_WITHOUT_KEYS_NANOS = Duration.ofSeconds(1).toNanos();

    /** A fetch still in flight this long past its timeout lost its answer (a replaced root). */
    static final long LOST_CALL_NANOS = Duration.ofSeconds(5).toNanos();

    final String uri;
    final String cluster;
    private final String path;
    private final String authority;
    private final Duration timeout;
    private final long cacheNanos;
    private final long refetchMinNanos;
    private final Runnable onChange;

    private volatile Keys keys;
    private volatile long fetchedAt;
    private volatile long attemptAt;
    private volatile boolean attempted;
    private final AtomicBoolean inFlight = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Runnable> waiters = new ConcurrentLinkedQueue<>();

    RemoteJwks(
            String uri,
            String cluster,
            String path,
            String authority,
            Duration timeout,
            Duration cacheDuration,
            Duration refetchMinInterval,
            Runnable onChange) {
        this.uri = uri;
        this.cluster = cluster;
        this.path = path;
        this.authority = authority;
        this.timeout = timeout;
        this.cacheNanos = cacheDuration.toNanos();
        this.refetchMinNanos = refetchMinInterval.toNanos();
        this.onChange = onChange;
    }

    /** The keys of the last good fetch, or null before one. */
    Keys keys() {
        return keys;
    }

    boolean stale(long now) {
        return keys != null && now - fetchedAt >= cacheNanos;
    }

    boolean inFlight() {
        return inFlight.get();
    }

    /** Whether a fetch for an unknown kid may start now (one per refetch_min_interval). */
    boolean mayRefetch(long now) {
        return !attempted || now - attemptAt >= refetchMinNanos;
    }

    /** Whether, without keys, a new attempt may start now. */
    boolean mayRetry(long now) {
        return !attempted || now - attemptAt >= RETRY_WITHOUT_KEYS_NANOS;
    }

    /**
     * Starts a fetch through {@code via} (a worker's root context) unless one is in flight; {@code
     * waiter}, when not null, runs once the fetch in flight ends (on whatever thread ends it).
     */
    void fetch(FilterContext via, long now, Runnable waiter) {
        if (waiter != null) {
            waiters.add(waiter);
        }
        if (!inFlight.compareAndSet(false, true)
                && now - attemptAt <= timeout.toNanos() + LOST_CALL_NANOS) {
            return; // one is in flight (a call whose answer never came is given up after a while)
        }
        inFlight.set(true);
        attempted = true;
        attemptAt = now;
        HttpCallRequest rq =
                new HttpCallRequest(
                        "GET",
                        path,
                        authority,
                        java.util.List.of(java.util.Map.entry("accept", "application/json")),
                        null);
        try {
            via.httpCall(cluster, rq, timeout, r -> done(r, via.nanoTime()));
        } catch (RuntimeException e) {
            done(HttpCallResponse.failed("call_failed"), now);
        }
    }

    private void done(HttpCallResponse r, long now) {
        try {
            if (r.ok() && r.status() == 200) {
                Keys k = Keys.parseJwks(r.bodyText());
                if (k.size() > 0) {
                    Keys old = keys;
                    keys = k;
                    fetchedAt = now;
                    if (!k.sameAs(old)) {
                        onChange.run();
                    }
                }
            }
        } catch (ParseException | RuntimeException e) {
            // not a JWKS: the keys there were stay
        } finally {
            inFlight.set(false);
            Runnable w;
            while ((w = waiters.poll()) != null) {
                w.run();
            }
        }
    }
}
