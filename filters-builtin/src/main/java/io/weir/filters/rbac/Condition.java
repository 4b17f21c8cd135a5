package io.weir.filters.rbac;

import java.util.List;
import java.util.function.Function;

/** One test of a rule on a request. Immutable and thread-safe. */
@FunctionalInterface
interface Condition {
    boolean matches(RequestView r);

    /** True when every condition matches (true for none). */
    static Condition all(List<Condition> cs) {
        List<Condition> copy = List.copyOf(cs);
        return r -> {
            for (Condition c : copy) {
                if (!c.matches(r)) {
                    return false;
                }
            }
            return true;
        };
    }

    /** True when any condition matches (false for none). */
    static Condition any(List<Condition> cs) {
        List<Condition> copy = List.copyOf(cs);
        return r -> {
            for (Condition c : copy) {
                if (c.matches(r)) {
                    return true;
                }
            }
            return false;
        };
    }

    /** Some value of the attribute matches some pattern (an absent attribute never does). */
    static Condition strings(Function<RequestView, List<String>> attr, List<StringPattern> ps) {
        List<StringPattern> copy = List.copyOf(ps);
        return r -> {
            for (String v : attr.apply(r)) {
                for (StringPattern p : copy) {
                    if (p.matches(v)) {
                        return true;
                    }
                }
            }
            return false;
        };
    }

    /** The address is in some block (an absent address never is). */
    static Condition ips(Function<RequestView, byte[]> attr, List<IpBlock> blocks) {
        List<IpBlock> copy = List.copyOf(blocks);
        return r -> {
            byte[] ip = attr.apply(r);
            for (IpBlock b : copy) {
                if (b.contains(ip)) {
                    return true;
                }
            }
            return false;
        };
    }

    default Condition negate() {
        return r -> !matches(r);
    }
}
