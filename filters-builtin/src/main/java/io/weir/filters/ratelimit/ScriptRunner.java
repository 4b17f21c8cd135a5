package io.weir.filters.ratelimit;

import java.time.Duration;
import java.util.List;

/**
 * Runs rate-limit scripts on one Redis: what a filter needs of {@link RedisClient} (and what unit
 * tests fake). Thread-safe.
 */
interface ScriptRunner {
    /** Failure reasons, as in {@code weir_ratelimit_redis_errors_total{reason}}. */
    String CONNECT = "connect";

    String ERROR = "error";

    /**
     * The outcome of one request, called exactly once on the client's own thread (or on the
     * caller's, when it fails at once): never touch a stream from here, post to its worker.
     */
    interface Callback {
        /** Redis answered; an error reply ({@code -ERR ...}) is a reply too. */
        void onReply(Reply reply);

        /**
         * No answer will come: {@link #CONNECT} (no connection, or it was lost with the request in
         * flight) or {@link #ERROR} (unreadable reply, too many requests waiting).
         */
        void onFailure(String reason, String detail);
    }

    /**
     * Whether there is no connection now (waiting to reconnect, or closed): a request would fail at
     * once, so a caller may decide without sending one.
     */
    boolean down();

    /**
     * {@code EVALSHA sha 1 key args...}; on a {@code NOSCRIPT} error the script is loaded with
     * {@code SCRIPT LOAD} and run once more. {@code timeout} is the caller's own deadline: the
     * connection is considered stalled (closed and opened again) when a reply is overdue by far
     * more than that.
     */
    void evalsha(Script script, String key, List<String> args, Duration timeout, Callback callback);
}
