package io.weir.filters.ratelimit;

import io.weir.spi.HttpFilter;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.Metrics;
import io.weir.spi.RootContext;
import io.weir.spi.StreamContext;
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One {@code weir.ratelimit} entry on one worker: its metrics, and its holds on the shared Redis
 * connections (the listener config's, taken at configure time so the connection opens before the
 * first request, and any a route override names, taken on first use); released in {@link
 * #onDone()}. Worker thread only.
 */
final class RateLimitRoot implements HttpFilterRoot {
    static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    final RootContext ctx;
    final Metrics.Counter allowed;
    final Metrics.Counter limited;
    final Metrics.Counter errors;
    final Metrics.Counter failureModeAllowed;
    private final Connections connections;
    private final Map<RedisTarget, ScriptRunner> held = new HashMap<>();
    private long lastWarn;
    private boolean warned;

    RateLimitRoot(RootContext ctx, Connections connections) {
        this.ctx = ctx;
        this.connections = connections;
        Metrics m = ctx.metrics();
        allowed = m.counter("weir_ratelimit_allowed_total", "Requests Redis allowed.");
        limited = m.counter("weir_ratelimit_limited_total", "Requests answered 429.");
        errors =
                m.counter(
                        "weir_ratelimit_redis_errors_total",
                        "Decisions Redis did not make, by reason: timeout, connect, error.",
                        "reason");
        failureModeAllowed =
                m.counter(
                        "weir_ratelimit_failure_mode_allowed_total",
                        "Requests allowed because Redis did not decide (failure_mode_deny false).");
    }

    @Override
    public void onConfigure(Object config) {
        redis(((RateLimitConfig) config).redis());
    }

    /** The shared connection to {@code target}, held by this root from now until it is done. */
    ScriptRunner redis(RedisTarget target) {
        ScriptRunner r = held.get(target);
        if (r == null) {
            r = connections.acquire(target);
            held.put(target, r);
        }
        return r;
    }

    @Override
    public HttpFilter newFilter(StreamContext context) {
        return new RateLimitFilter(this, context);
    }

    @Override
    public void onDone() {
        held.keySet().forEach(connections::release);
        held.clear();
    }

    /** A WARN, at most one per {@link #WARN_EVERY_NANOS} for this root. */
    void warn(String message) {
        long now = ctx.nanoTime();
        if (warned && now - lastWarn < WARN_EVERY_NANOS) {
            return;
        }
        warned = true;
        lastWarn = now;
        ctx.logger().log(Level.WARNING, message);
    }
}
