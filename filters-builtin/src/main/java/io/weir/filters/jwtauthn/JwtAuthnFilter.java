package io.weir.filters.jwtauthn;

import io.weir.spi.FilterStatus;
import io.weir.spi.Headers;
import io.weir.spi.HttpFilter;
import io.weir.spi.LocalReply;
import io.weir.spi.StreamContext;
import java.util.Map;

/**
 * One request through {@code weir.jwt_authn}: the first rule whose match fits the path decides
 * which providers may verify a token. Client-sent copies of every {@code forward_claims} header are
 * removed first. A verified token's claims go to their headers and to the {@code jwt.payload}
 * metadata, and the token is stripped unless the provider forwards it; otherwise 401 with {@code
 * www-authenticate: Bearer realm="...", error="invalid_token"}. A request that needs a remote JWKS
 * being fetched waits for it (STOP) and resumes on its worker.
 */
final class JwtAuthnFilter implements HttpFilter {
    static final String PAYLOAD = "jwt.payload";
    static final String PROVIDER = "jwt.provider";

    private final StreamContext ctx;
    private final JwtAuthnFilterFactory.Root root;
    private Headers headers;
    private JwtAuthnConfig.Rule rule;
    private Iterable<Provider> providers;
    private boolean waited; // a request waits for a JWKS fetch at most once
    private boolean paused;

    JwtAuthnFilter(StreamContext ctx, JwtAuthnFilterFactory.Root root) {
        this.ctx = ctx;
        this.root = root;
    }

    @Override
    public FilterStatus onRequestHeaders(Headers headers, boolean endOfStream) {
        JwtAuthnConfig c = (JwtAuthnConfig) ctx.config();
        for (Provider p : c.providers().values()) {
            for (String h : p.forwardClaims.values()) {
                headers.remove(h); // never trust a client-sent claim header
            }
        }
        String path = headers.get(":path");
        if (path == null) {
            return FilterStatus.CONTINUE;
        }
        int q = path.indexOf('?');
        rule = c.rule(q < 0 ? path : path.substring(0, q));
        if (rule == null) {
            return FilterStatus.CONTINUE;
        }
        this.headers = headers;
        // a bare allow_missing / allow_missing_or_failed looks for every provider's token (Envoy)
        providers = rule.anyOf().isEmpty() ? c.providers().values() : rule.anyOf();
        return decide() ? FilterStatus.CONTINUE : FilterStatus.STOP;
    }

    /** Decides; true to go on now, false when answered or waiting. */
    private boolean decide() {
        boolean present = false;
        Failure first = null;
        long nowMillis = ctx.currentTimeMillis();
        for (Provider p : providers) {
            Provider.Found found = p.find(headers);
            if (found == null) {
                continue;
            }
            present = true;
            RemoteJwks remote = p.remote;
            long now = ctx.nanoTime();
            Keys keys = remote == null ? p.staticKeys : remote.keys();
            Provider.Outcome o = p.check(found.token(), nowMillis, keys);
            if (remote != null && remote.stale(now) && !remote.inFlight()) {
                fetch(p, now, false); // refresh in the background with the old keys in use
            }
            if (o.needKeys()) {
                if (!waited && (remote.inFlight() || remote.mayRetry(now))) {
                    fetch(p, now, true);
                    return false;
                }
                o = Provider.Outcome.fail(Failure.JWKS_FETCH);
            } else if (o.failure() == Failure.UNKNOWN_KID
                    && remote != null
                    && !waited
                    && (remote.inFlight() || remote.mayRefetch(now))) {
                fetch(p, now, true); // perhaps a rotated key: fetch again and retry once
                return false;
            }
            if (p.cache.enabled() && !o.needKeys()) {
                root.cache.inc(o.cached() ? "hit" : "miss");
            }
            if (o.claims() != null) {
                accept(p, found, o.claims());
                return true;
            }
            if (first == null) {
                first = o.failure();
            }
        }
        if (!present) {
            if (rule.allowMissing()) {
                return true;
            }
            return deny(Failure.MISSING);
        }
        if (rule.allowFailed()) {
            return true;
        }
        return deny(first);
    }

    private void fetch(Provider p, long now, boolean wait) {
        root.fetches.inc(p.name);
        if (!wait) {
            p.remote.fetch(root.ctx, now, null);
            return;
        }
        waited = true;
        paused = true;
        p.remote.fetch(root.ctx, now, () -> ctx.executor().execute(this::resume));
    }

    private void resume() {
        if (!paused) {
            return;
        }
        paused = false;
        if (decide()) {
            ctx.continueRequest();
        }
    }

    private void accept(Provider p, Provider.Found found, Map<String, Object> claims) {
        for (Map.Entry<String, String> e : p.forwardClaims.entrySet()) {
            Object v = claims.get(e.getKey());
            if (v != null) {
                headers.set(e.getValue(), Json.text(v));
            }
        }
        if (!p.forward) {
            found.source().strip(headers);
        }
        ctx.setMetadata(PAYLOAD, claims);
        ctx.setMetadata(PROVIDER, p.name);
        root.allowed.inc();
    }

    private boolean deny(Failure f) {
        root.denied.inc(f.label);
        String realm = realm();
        String challenge =
                f == Failure.MISSING
                        ? "Bearer realm=\"" + realm + "\""
                        : "Bearer realm=\"" + realm + "\", error=\"invalid_token\"";
        ctx.sendLocalReply(
                LocalReply.status(401)
                        .body(f.body)
                        .header("www-authenticate", challenge)
                        .details("jwt_authn_access_denied{" + f.label + "}")
                        .build());
        return false;
    }

    /** {@code http://HOST/PATH} of the request, quotes and controls left out. */
    private String realm() {
        String host = headers.get(":authority");
        if (host == null) {
            host = headers.get("host");
        }
        String path = headers.get(":path");
        int q = path == null ? -1 : path.indexOf('?');
        String p = path == null ? "/" : q < 0 ? path : path.substring(0, q);
        String r = "http://" + (host == null ? "" : host) + p;
        StringBuilder b = new StringBuilder(r.length());
        for (int i = 0; i < r.length(); i++) {
            char ch = r.charAt(i);
            if (ch >= 0x20 && ch != '"' && ch != '\\' && ch != 0x7f) {
                b.append(ch);
            }
        }
        return b.toString();
    }
}
