package io.weir.kernel.router;

import io.weir.kernel.config.HeaderMutations;
import io.weir.kernel.config.Route;
import io.weir.kernel.http1.HeaderMap;
import java.util.List;
import java.util.Map;

/**
 * A compiled route: its match, its action and the header changes of its virtual host and its own,
 * merged (route first, then virtual host, as Envoy). Immutable, shared by all workers.
 */
public final class RouteEntry {
    public final String name;
    public final String virtualHost;
    public final Route.Match match;
    public final Route.Action action;

    /**
     * Per listener filter (by index): this route's {@code per_filter_config} entry, else its
     * virtual host's; null when none of the filters has one.
     */
    public final io.weir.kernel.config.FilterOverride[] filterOverrides;

    private final HeaderMutations[] requestMutations;
    private final HeaderMutations[] responseMutations;

    /** For weighted clusters: cumulative weights and names; null otherwise. */
    final int[] cumulativeWeights;

    final String[] weightedNames;

    RouteEntry(
            String name,
            String virtualHost,
            Route route,
            HeaderMutations vhostRequest,
            HeaderMutations vhostResponse,
            io.weir.kernel.config.FilterOverride[] filterOverrides) {
        this.filterOverrides = filterOverrides;
        this.name = name;
        this.virtualHost = virtualHost;
        this.match = route.match();
        this.action = route.action();
        this.requestMutations = nonEmpty(route.requestHeaders(), vhostRequest);
        this.responseMutations = nonEmpty(route.responseHeaders(), vhostResponse);
        if (action instanceof Route.Forward f
                && f.weightedClusters() != null
                && !f.weightedClusters().isEmpty()) {
            List<Route.WeightedCluster> w = f.weightedClusters();
            cumulativeWeights = new int[w.size()];
            weightedNames = new String[w.size()];
            int sum = 0;
            for (int i = 0; i < w.size(); i++) {
                sum += w.get(i).weight();
                cumulativeWeights[i] = sum;
                weightedNames[i] = w.get(i).name();
            }
        } else {
            cumulativeWeights = null;
            weightedNames = null;
        }
    }

    private static HeaderMutations[] nonEmpty(HeaderMutations a, HeaderMutations b) {
        boolean ha = a != null && !a.isEmpty();
        boolean hb = b != null && !b.isEmpty();
        if (ha && hb) {
            return new HeaderMutations[] {a, b};
        }
        if (ha) {
            return new HeaderMutations[] {a};
        }
        if (hb) {
            return new HeaderMutations[] {b};
        }
        return new HeaderMutations[0];
    }

    /**
     * The cluster to send to: the configured one, or one of the weighted clusters chosen by {@code
     * random} in [0, total weight).
     */
    public String pickCluster(java.util.random.RandomGenerator random) {
        if (cumulativeWeights == null) {
            return ((Route.Forward) action).cluster();
        }
        int r = random.nextInt(cumulativeWeights[cumulativeWeights.length - 1]);
        for (int i = 0; i < cumulativeWeights.length; i++) {
            if (r < cumulativeWeights[i]) {
                return weightedNames[i];
            }
        }
        return weightedNames[weightedNames.length - 1];
    }

    public void applyRequestHeaders(HeaderMap h) {
        apply(requestMutations, h);
    }

    public void applyResponseHeaders(HeaderMap h) {
        apply(responseMutations, h);
    }

    private static void apply(HeaderMutations[] ms, HeaderMap h) {
        for (HeaderMutations m : ms) {
            for (String r : m.remove()) {
                h.remove(r);
            }
            for (Map.Entry<String, String> e : m.set().entrySet()) {
                h.set(e.getKey(), e.getValue());
            }
            for (Map.Entry<String, String> e : m.add().entrySet()) {
                h.add(e.getKey(), e.getValue());
            }
        }
    }
}
