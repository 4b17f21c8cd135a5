package io.weir.filters.basicauth;

import io.weir.spi.FilterStatus;
import io.weir.spi.Headers;
import io.weir.spi.HttpFilter;
import io.weir.spi.LocalReply;
import io.weir.spi.StreamContext;

/**
 * One request through {@code weir.basic_auth}: removes a client-sent user name header, reads the
 * {@code authorization: Basic} credentials and checks them: a cache hit passes at once; otherwise
 * bcrypt runs on the {@link VerifyPool} (the request is paused, the worker serves others) and the
 * outcome comes back through {@link StreamContext#executor()}. A pass forwards the request (without
 * {@code authorization} unless {@code forward}) with the user name; a failure gets 401 with {@code
 * www-authenticate: Basic realm="..."}; a full pool gets 503.
 */
final class BasicAuthFilter implements HttpFilter {
    static final String MISSING = "User authentication failed. Missing username and password.";
    static final String NOT_BASIC = "User authentication failed. Expected 'Basic' type.";
    static final String MALFORMED = "User authentication failed. Invalid basic credential format.";
    static final String INVALID =
            "User authentication failed. Invalid username/password combination.";
    static final String OVERLOADED = "basic auth overloaded";
    static final String METADATA = "basic_auth.username";

    private final StreamContext ctx;
    private final BasicAuthFilterFactory.Root root;

    BasicAuthFilter(StreamContext ctx, BasicAuthFilterFactory.Root root) {
        this.ctx = ctx;
        this.root = root;
    }

    @Override
    public FilterStatus onRequestHeaders(Headers headers, boolean endOfStream) {
        BasicAuthConfig c = (BasicAuthConfig) ctx.config();
        c.store().attach(root.reloads); // a route override's block has its own store
        if (c.usernameHeader() != null) {
            headers.remove(c.usernameHeader()); // never trust a client-sent user name
        }
        String auth = headers.get("authorization");
        if (auth == null || auth.isBlank()) {
            return deny(c, MISSING, "missing");
        }
        Credentials.Parsed p = Credentials.parse(auth);
        if (p.problem() != null) {
            return deny(
                    c,
                    p.problem() == Credentials.Problem.NOT_BASIC ? NOT_BASIC : MALFORMED,
                    "malformed");
        }
        Credentials cred = p.credentials();
        UserStore.Snapshot users = c.store().current();
        byte[] cacheKey =
                users.cache().enabled() ? VerifyCache.key(cred.user(), cred.password()) : null;
        if (cacheKey != null && users.cache().hit(cacheKey, ctx.nanoTime())) {
            root.cache.inc("hit");
            allow(c, headers, cred.user());
            return FilterStatus.CONTINUE;
        }
        if (cacheKey != null) {
            root.cache.inc("miss");
        }
        byte[] hash = users.users().get(cred.user());
        boolean known = hash != null;
        String user = cred.user();
        // back on this stream's worker; null: the verification could not be queued (overload)
        java.util.function.Consumer<Boolean> done =
                ok ->
                        ctx.executor()
                                .execute(
                                        () -> {
                                            if (ok == null) {
                                                overloaded();
                                            } else {
                                                verified(
                                                        c,
                                                        users,
                                                        cacheKey,
                                                        user,
                                                        known && ok,
                                                        known);
                                            }
                                        });
        if (cacheKey != null && users.cache().join(cacheKey, done)) {
            // the same credentials are being verified for another request: share its answer
            // (64 connections arriving with one password pay one bcrypt, not 64)
            return FilterStatus.STOP;
        }
        java.util.function.Consumer<Boolean> finish =
                cacheKey == null ? done : ok -> users.cache().complete(cacheKey, ok);
        boolean queued =
                root.pool.submit(
                        cred.password(),
                        known ? hash : users.dummyHash(), // unknown users cost as much as known
                        finish::accept);
        if (!queued) {
            if (cacheKey != null) {
                users.cache().complete(cacheKey, null); // every waiter, this one too, gets 503
            } else {
                overloaded();
            }
        }
        return FilterStatus.STOP;
    }

    private void overloaded() {
        root.overloaded.inc();
        ctx.sendLocalReply(
                LocalReply.status(503).body(OVERLOADED).details("basic_auth_overloaded").build());
    }

    /** Back on the worker with bcrypt's answer. */
    private void verified(
            BasicAuthConfig c,
            UserStore.Snapshot users,
            byte[] cacheKey,
            String user,
            boolean ok,
            boolean known) {
        if (!ok) {
            deny(c, INVALID, known ? "wrong_password" : "unknown_user");
            return;
        }
        if (cacheKey != null) {
            users.cache().put(cacheKey, ctx.nanoTime());
        }
        allow(c, ctx.requestHeaders(), user);
        ctx.continueRequest();
    }

    private void allow(BasicAuthConfig c, Headers headers, String user) {
        if (!c.forward()) {
            headers.remove("authorization");
        }
        if (c.usernameHeader() != null) {
            headers.set(c.usernameHeader(), user);
        }
        ctx.setMetadata(METADATA, user);
        root.allowed.inc();
    }

    private FilterStatus deny(BasicAuthConfig c, String body, String reason) {
        root.denied.inc(reason);
        ctx.sendLocalReply(
                LocalReply.status(401)
                        .body(body)
                        .header("www-authenticate", c.challenge())
                        .details(
                                "basic_auth_"
                                        + (reason.equals("missing") || reason.equals("malformed")
                                                ? reason
                                                : "invalid"))
                        .build());
        return FilterStatus.STOP;
    }
}
