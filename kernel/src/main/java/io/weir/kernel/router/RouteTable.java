package io.weir.kernel.router;

import io.weir.kernel.config.ListenerConfig;
import io.weir.kernel.config.Route;
import io.weir.kernel.config.VirtualHost;
import io.weir.kernel.http1.HeaderMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A listener's compiled virtual hosts and routes. Immutable and shared by all workers; a config
 * change builds a new table. Virtual hosts are chosen as Envoy does: exact domain, then the longest
 * {@code *.suffix}, then the longest {@code prefix.*}, then {@code *}; the port of the Host header
 * is ignored unless a domain names it. Routes are tried in order; the first match wins.
 */
public final class RouteTable {
    private record Vhost(String name, RouteEntry[] routes) {}

    private record Wildcard(String part, Vhost vhost) {}

    private final Map<String, Vhost> exact = new HashMap<>();
    private final List<Wildcard> suffixes = new ArrayList<>();
    private final List<Wildcard> prefixes = new ArrayList<>();
    private Vhost catchAll;
    private final boolean onlyCatchAll;

    /**
     * The route's or else the virtual host's {@code per_filter_config} entry for each of the
     * listener's filters, by index; null when there is none at all.
     */
    private static io.weir.kernel.config.FilterOverride[] overrides(
            List<ListenerConfig.FilterConfig> filters, VirtualHost vh, Route r) {
        io.weir.kernel.config.FilterOverride[] out = null;
        for (int i = 0; i < filters.size(); i++) {
            String name = filters.get(i).name();
            io.weir.kernel.config.FilterOverride o = r.perFilterConfig().get(name);
            if (o == null) {
                o = vh.perFilterConfig().get(name);
            }
            if (o != null) {
                if (out == null) {
                    out = new io.weir.kernel.config.FilterOverride[filters.size()];
                }
                out[i] = o;
            }
        }
        return out;
    }

    public RouteTable(ListenerConfig.HttpConfig http) {
        for (VirtualHost vh : http.virtualHosts()) {
            RouteEntry[] routes = new RouteEntry[vh.routes().size()];
            for (int i = 0; i < routes.length; i++) {
                Route r = vh.routes().get(i);
                String name = r.name() != null ? r.name() : vh.name() + "/" + i;
                routes[i] =
                        new RouteEntry(
                                name,
                                vh.name(),
                                r,
                                vh.requestHeaders(),
                                vh.responseHeaders(),
                                overrides(http.filters(), vh, r));
            }
            Vhost v = new Vhost(vh.name(), routes);
            for (String d : vh.domains()) {
                String dom = d.toLowerCase(Locale.ROOT);
                if (dom.equals("*")) {
                    if (catchAll == null) {
                        catchAll = v;
                    }
                } else if (dom.startsWith("*")) {
                    suffixes.add(new Wildcard(dom.substring(1), v));
                } else if (dom.endsWith("*")) {
                    prefixes.add(new Wildcard(dom.substring(0, dom.length() - 1), v));
                } else {
                    exact.putIfAbsent(dom, v);
                }
            }
        }
        onlyCatchAll = exact.isEmpty() && suffixes.isEmpty() && prefixes.isEmpty();
        suffixes.sort((a, b) -> b.part().length() - a.part().length());
        prefixes.sort((a, b) -> b.part().length() - a.part().length());
    }

    /**
     * The first matching route, or null (404). {@code authority} is the Host header as sent, {@code
     * path} the normalised path, {@code query} the raw query without '?' or null.
     */
    public RouteEntry route(
            String authority, String method, String path, String query, HeaderMap headers) {
        Vhost vh = vhost(authority);
        if (vh == null) {
            return null;
        }
        for (RouteEntry r : vh.routes()) {
            if (RouteMatcher.matches(r.match, method, path, query, headers)) {
                return r;
            }
        }
        return null;
    }

    private Vhost vhost(String authority) {
        if (authority == null || onlyCatchAll) {
            return catchAll;
        }
        String host = authority.toLowerCase(Locale.ROOT);
        Vhost v = exact.get(host);
        if (v != null) {
            return v;
        }
        int colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(']') < colon) {
            host = host.substring(0, colon);
            v = exact.get(host);
            if (v != null) {
                return v;
            }
        }
        for (Wildcard w : suffixes) {
            if (host.endsWith(w.part()) && host.length() > w.part().length()) {
                return w.vhost();
            }
        }
        for (Wildcard w : prefixes) {
            if (host.startsWith(w.part()) && host.length() > w.part().length()) {
                return w.vhost();
            }
        }
        return catchAll;
    }
}
