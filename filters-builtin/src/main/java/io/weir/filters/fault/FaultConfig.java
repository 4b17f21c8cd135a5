package io.weir.filters.fault;

import io.weir.spi.ConfigNode;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bound config of one {@code weir.fault} block: the listener's entry or a route's {@code
 * per_filter_config} override, which replaces it whole. Immutable values, plus two thread-safe
 * objects created with the record and shared by every worker: the seeded random source (when {@code
 * seed} is set) and the count of faults in progress (used from the listener's block).
 *
 * @param delay the delay to inject, or null
 * @param abort the abort to inject, or null
 * @param maxActiveFaults faults in progress at once beyond which requests pass without one
 * @param headersControl whether {@code x-weir-fault-*} request headers may ask for faults
 * @param random the seeded source, or null for {@link java.util.concurrent.ThreadLocalRandom}
 * @param active faults in progress of the filter entry this block configures
 */
record FaultConfig(
        Delay delay,
        Abort abort,
        int maxActiveFaults,
        boolean headersControl,
        Random random,
        AtomicInteger active) {

    static final int UNLIMITED = Integer.MAX_VALUE;

    /** A fixed delay, injected into {@code percentage} percent of requests. */
    record Delay(Duration fixedDelay, double percentage) {
        Delay {
            if (fixedDelay.isNegative() || fixedDelay.isZero() || !isPercentage(percentage)) {
                throw new IllegalArgumentException("invalid delay");
            }
        }
    }

    /**
     * An abort with an HTTP status, or with a gRPC status when {@code grpcStatus >= 0} (then the
     * HTTP status is 200), injected into {@code percentage} percent of requests.
     */
    record Abort(int httpStatus, int grpcStatus, double percentage) {
        Abort {
            if (httpStatus < 200 || httpStatus > 599 || !isPercentage(percentage)) {
                throw new IllegalArgumentException("invalid abort");
            }
        }

        static Abort http(int status, double percentage) {
            return new Abort(status, -1, percentage);
        }

        static Abort grpc(int status, double percentage) {
            return new Abort(200, status, percentage);
        }

        boolean isGrpc() {
            return grpcStatus >= 0;
        }
    }

    FaultConfig {
        if (maxActiveFaults < 0 || active == null) {
            throw new IllegalArgumentException("invalid max_active_faults");
        }
    }

    static boolean isPercentage(double p) {
        return p >= 0 && p <= 100;
    }

    /** Binds a block, reporting every problem through {@code n}; null after an error. */
    static FaultConfig from(ConfigNode n) {
        if (!n.expectMap("delay", "abort", "max_active_faults", "headers_control", "seed")) {
            return null;
        }
        boolean ok = true;
        Delay delay = null;
        ConfigNode d = n.get("delay");
        if (!d.isMissing()) {
            delay = delay(d);
            ok = delay != null;
        }
        Abort abort = null;
        ConfigNode a = n.get("abort");
        if (!a.isMissing()) {
            abort = abort(a);
            ok &= abort != null;
        }
        ConfigNode maxNode = n.get("max_active_faults");
        long max = maxNode.asLong(-1, 0, Integer.MAX_VALUE);
        ok &= maxNode.isMissing() || max >= 0;
        boolean headersControl = n.get("headers_control").asBoolean(false);
        ConfigNode seedNode = n.get("seed");
        Random random = null;
        if (!seedNode.isMissing()) {
            long seed = seedNode.asLong(Long.MIN_VALUE, Long.MIN_VALUE + 1, Long.MAX_VALUE);
            ok &= seed != Long.MIN_VALUE;
            random = new Random(seed);
        }
        if (!ok) {
            return null;
        }
        return new FaultConfig(
                delay,
                abort,
                maxNode.isMissing() ? UNLIMITED : (int) max,
                headersControl,
                random,
                new AtomicInteger());
    }

    private static Delay delay(ConfigNode d) {
        if (!d.expectMap("fixed_delay", "percentage")) {
            return null;
        }
        ConfigNode fixed = d.get("fixed_delay");
        Duration duration = null;
        if (fixed.isMissing()) {
            fixed.error("is required");
        } else {
            duration = fixed.asDuration(null);
            if (duration != null && duration.isZero()) {
                fixed.error("must be > 0 (was " + fixed.raw() + ")");
                duration = null;
            }
        }
        double pct = percentage(d.get("percentage"));
        return duration == null || pct < 0 ? null : new Delay(duration, pct);
    }

    private static Abort abort(ConfigNode a) {
        if (!a.expectMap("http_status", "grpc_status", "percentage")) {
            return null;
        }
        ConfigNode http = a.get("http_status");
        ConfigNode grpc = a.get("grpc_status");
        double pct = percentage(a.get("percentage"));
        if (http.isMissing() == grpc.isMissing()) {
            a.error("expected exactly one of http_status, grpc_status");
            return null;
        }
        if (!http.isMissing()) {
            int status = http.asInt(-1, 200, 599);
            return status < 0 || pct < 0 ? null : Abort.http(status, pct);
        }
        int status = grpc.asInt(-1, 0, 16);
        return status < 0 || pct < 0 ? null : Abort.grpc(status, pct);
    }

    /** A percentage, 0 to 100 (decimals allowed), default 100; -1 after an error. */
    private static double percentage(ConfigNode p) {
        return p.asDouble(p.isMissing() ? 100 : -1, 0, 100);
    }
}
