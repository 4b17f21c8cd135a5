package io.weir.filters.rbac;

import java.util.List;

/**
 * One policy: an action and rules; it matches a request when any rule matches (none when there are
 * no rules). Immutable.
 */
record Policy(String name, boolean deny, List<Condition> rules) {
    Policy {
        rules = List.copyOf(rules);
    }

    boolean matches(RequestView r) {
        for (Condition c : rules) {
            if (c.matches(r)) {
                return true;
            }
        }
        return false;
    }
}
