package io.weir.kernel.accesslog;

/**
 * Why a response is not a plain upstream response: Envoy's {@code %RESPONSE_FLAGS%} short codes. A
 * stream's flags are an {@code int} of {@link #bit()}s.
 */
public enum ResponseFlag {
    /** No healthy upstream host in the cluster. */
    UH("no healthy upstream"),
    /** Upstream connection failure. */
    UF("upstream connection failure"),
    /** Upstream request timeout. */
    UT("upstream request timeout"),
    /** Upstream connection termination. */
    UC("upstream connection termination"),
    /** Upstream remote reset. */
    UR("upstream remote reset"),
    /** Upstream overflow (circuit breaking, pool full). */
    UO("upstream overflow"),
    /** Upstream protocol error: the response could not be parsed. */
    UPE("upstream protocol error"),
    /** Downstream connection termination. */
    DC("downstream connection termination"),
    /** Connection local reset. */
    LR("local reset"),
    /** No route configured for the request. */
    NR("no route configured"),
    /** Downstream protocol error: the request could not be parsed. */
    DPE("downstream protocol error"),
    /** Rate limited. */
    RL("rate limited"),
    /** Rejected by an external authorization service. */
    UAEX("unauthorized by external service"),
    /** The request was delayed by fault injection. */
    DI("delay injected"),
    /** The request was aborted by fault injection. */
    FI("fault injected"),
    /** Stream idle timeout. */
    SI("stream idle timeout"),
    /** Upstream retry limit exceeded. */
    URX("upstream retry limit exceeded"),
    /** Request headers timeout or maximum duration exceeded. */
    DT("duration or request headers timeout"),
    /** Weir only: a filter failed (threw or overran) and its fail_policy is fail_closed. */
    FF("filter failed"),
    /** The rate limit service (weir.ratelimit's Redis) failed and failure_mode_deny is on. */
    RLSE("rate limit service error");

    private static final ResponseFlag[] VALUES = values();

    private final String description;

    ResponseFlag(String description) {
        this.description = description;
    }

    /** The short code, as in Envoy's access log: {@code UH}, {@code UF}, ... */
    public String code() {
        return name();
    }

    /** This flag's bit in a flags {@code int}. */
    public int bit() {
        return 1 << ordinal();
    }

    /** A few words for humans, as in the docs' flags table. */
    public String description() {
        return description;
    }

    /** Whether {@code bits} has this flag. */
    public boolean isSet(int bits) {
        return (bits & bit()) != 0;
    }

    /** The flag with this code, or null. */
    public static ResponseFlag byName(String code) {
        for (ResponseFlag f : VALUES) {
            if (f.name().equals(code)) {
                return f;
            }
        }
        return null;
    }

    /** {@code "UH,UF"} with the set flags in declaration order, or {@code "-"} when none. */
    public static String format(int bits) {
        if (bits == 0) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        for (ResponseFlag f : VALUES) {
            if ((bits & f.bit()) != 0) {
                if (sb.length() > 0) {
                    sb.append(',');
                }
                sb.append(f.name());
            }
        }
        return sb.length() == 0 ? "-" : sb.toString();
    }
}
