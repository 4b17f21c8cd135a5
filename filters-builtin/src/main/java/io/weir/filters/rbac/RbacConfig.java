package io.weir.filters.rbac;

import java.util.List;

/**
 * The bound config of one {@code weir.rbac} block: its policies in order and the shadow mode.
 * Immutable and thread-safe.
 */
record RbacConfig(boolean shadow, List<Policy> policies) {
    /** The label and details name of a decision no policy made. */
    static final String NONE = "none";

    /** The outcome for one request: allowed or not, and the deciding policy's name or none. */
    record Decision(boolean allowed, String policy) {}

    RbacConfig {
        policies = List.copyOf(policies);
    }

    /**
     * Istio's order: a matching DENY policy denies; then, when there is an ALLOW policy, a request
     * matching none of them is denied; with no ALLOW policy everything else is allowed.
     */
    Decision evaluate(RequestView r) {
        boolean anyAllow = false;
        for (Policy p : policies) {
            if (p.deny()) {
                if (p.matches(r)) {
                    return new Decision(false, p.name());
                }
            } else {
                anyAllow = true;
            }
        }
        if (!anyAllow) {
            return new Decision(true, NONE);
        }
        for (Policy p : policies) {
            if (!p.deny() && p.matches(r)) {
                return new Decision(true, p.name());
            }
        }
        return new Decision(false, NONE);
    }
}
