package io.weir.kernel.config;

import io.weir.spi.HttpFilter;
import io.weir.spi.HttpFilterFactory;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The HTTP filter factories a config may name. Thread-safe and immutable. */
public interface FilterRegistry {
    /** The factory for {@code name}, or null when no plugin offers it. */
    HttpFilterFactory factory(String name);

    /** The names, sorted (for error messages). */
    Set<String> names();

    /** A registry over a fixed map. */
    static FilterRegistry of(Map<String, HttpFilterFactory> factories) {
        Map<String, HttpFilterFactory> copy = Map.copyOf(factories);
        Set<String> names = java.util.Collections.unmodifiableSet(new TreeSet<>(copy.keySet()));
        return new FilterRegistry() {
            @Override
            public HttpFilterFactory factory(String name) {
                return copy.get(name);
            }

            @Override
            public Set<String> names() {
                return names;
            }
        };
    }

    /**
     * A registry of pass-through filters with these names, for tests and tools that check config
     * syntax without plugins: each keeps its raw config and its streams always continue.
     */
    static FilterRegistry passThrough(Set<String> names) {
        Map<String, HttpFilterFactory> m = new java.util.HashMap<>();
        for (String n : names) {
            m.put(
                    n,
                    new HttpFilterFactory() {
                        @Override
                        public String name() {
                            return n;
                        }

                        @Override
                        public io.weir.spi.HttpFilterRoot createRoot(
                                io.weir.spi.RootContext context) {
                            return ctx -> new HttpFilter() {};
                        }
                    });
        }
        return of(m);
    }

    /** No filters at all. */
    FilterRegistry EMPTY = of(Map.of());
}
