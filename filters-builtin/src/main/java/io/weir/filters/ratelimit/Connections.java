package io.weir.filters.ratelimit;

/**
 * Hands out the shared Redis connections: one per {@link RedisTarget} for the whole process,
 * counted by who holds it, closed when the last holder releases it. Thread-safe.
 */
interface Connections {
    /** The runner for {@code target}, opened on first use; pair with {@link #release}. */
    ScriptRunner acquire(RedisTarget target);

    /** Gives back one {@link #acquire} of {@code target}. */
    void release(RedisTarget target);
}
