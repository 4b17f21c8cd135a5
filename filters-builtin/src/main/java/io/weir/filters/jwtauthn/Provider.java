package io.weir.filters.jwtauthn;

import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import io.weir.spi.Headers;
import java.nio.ByteBuffer;
import java.text.ParseException;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * One configured issuer of tokens: where its tokens are, what their claims must say, its keys and
 * its cache of verified tokens. Immutable apart from the keys of a remote JWKS and the cache, both
 * thread-safe.
 */
final class Provider {
    final String name;
    final String issuer; // null: any
    final List<String> audiences; // empty: any
    final List<TokenSource> from;
    final Map<String, String> forwardClaims; // claim -> header
    final long skewMillis;
    final boolean forward;
    final Keys staticKeys; // null with a remote JWKS
    final RemoteJwks remote; // null with static keys
    final TokenCache cache;

    /** Signatures checked (a test seam: a cache hit checks none). */
    final LongAdder signatureChecks = new LongAdder();

    Provider(
            String name,
            String issuer,
            List<String> audiences,
            List<TokenSource> from,
            Map<String, String> forwardClaims,
            long skewMillis,
            boolean forward,
            Keys staticKeys,
            RemoteJwksSpec remoteSpec,
            int cacheEntries) {
        this.name = name;
        this.issuer = issuer;
        this.audiences = List.copyOf(audiences);
        this.from = List.copyOf(from);
        this.forwardClaims =
                Collections.unmodifiableMap(new java.util.LinkedHashMap<>(forwardClaims));
        this.skewMillis = skewMillis;
        this.forward = forward;
        this.staticKeys = staticKeys;
        this.cache = new TokenCache(cacheEntries);
        this.remote = remoteSpec == null ? null : remoteSpec.build(cache::clear);
    }

    /** The settings of a remote JWKS, built into one shared {@link RemoteJwks} per provider. */
    record RemoteJwksSpec(
            String uri,
            String cluster,
            String path,
            String authority,
            java.time.Duration timeout,
            java.time.Duration cacheDuration,
            java.time.Duration refetchMinInterval) {
        RemoteJwks build(Runnable onChange) {
            return new RemoteJwks(
                    uri,
                    cluster,
                    path,
                    authority,
                    timeout,
                    cacheDuration,
                    refetchMinInterval,
                    onChange);
        }
    }

    /** The first token in this provider's sources, with the source it came from; null if none. */
    Found find(Headers h) {
        for (TokenSource s : from) {
            String t = s.find(h);
            if (t != null) {
                return new Found(t, s);
            }
        }
        return null;
    }

    record Found(String token, TokenSource source) {}

    /** What checking a token gave: claims, a failure, or a wait for the JWKS. */
    record Outcome(Map<String, Object> claims, Failure failure, boolean needKeys, boolean cached) {
        static final Outcome NEED_KEYS = new Outcome(null, null, true, false);

        static Outcome ok(Map<String, Object> claims, boolean cached) {
            return new Outcome(claims, null, false, cached);
        }

        static Outcome fail(Failure f, boolean cached) {
            return new Outcome(null, f, false, cached);
        }

        static Outcome fail(Failure f) {
            return fail(f, false);
        }
    }

    /**
     * Checks a token: the cache, then its form, its claims (issuer, time, audience) and its
     * signature with the keys there are. {@code keys} is what to verify with (null: none yet).
     */
    Outcome check(String token, long nowMillis, Keys keys) {
        ByteBuffer key = cache.enabled() ? TokenCache.key(token) : null;
        if (key != null) {
            TokenCache.Entry e = cache.get(key, nowMillis);
            if (e != null) {
                Failure f = time(nowMillis, e.notBeforeMillis(), e.expiresMillis());
                return f == null ? Outcome.ok(e.claims(), true) : Outcome.fail(f, true);
            }
        }
        if (dots(token) != 2) {
            return Outcome.fail(Failure.MALFORMED);
        }
        JWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = JWTParser.parse(token);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException | RuntimeException e) {
            return Outcome.fail(Failure.MALFORMED);
        }
        if (!(jwt instanceof SignedJWT signed)) {
            return Outcome.fail(Failure.BAD_ALG); // alg none (a plain JWT) or an encrypted one
        }
        long nbf;
        long exp;
        try {
            Date n = claims.getNotBeforeTime();
            Date x = claims.getExpirationTime();
            nbf = n == null ? Long.MIN_VALUE : n.getTime();
            exp = x == null ? Long.MAX_VALUE : x.getTime();
        } catch (RuntimeException e) {
            return Outcome.fail(Failure.MALFORMED);
        }
        if (issuer != null && !issuer.equals(claims.getIssuer())) {
            return Outcome.fail(Failure.ISSUER);
        }
        Failure f = time(nowMillis, nbf, exp);
        if (f != null) {
            return Outcome.fail(f);
        }
        if (!audiences.isEmpty()) {
            List<String> aud = claims.getAudience();
            if (aud == null || aud.stream().noneMatch(audiences::contains)) {
                return Outcome.fail(Failure.AUDIENCE);
            }
        }
        if (keys == null) {
            return Outcome.NEED_KEYS;
        }
        signatureChecks.increment();
        f = keys.verify(signed);
        if (f != null) {
            return Outcome.fail(f);
        }
        Map<String, Object> payload = Collections.unmodifiableMap(claims.toJSONObject());
        if (key != null) {
            long until = exp == Long.MAX_VALUE ? Long.MAX_VALUE : exp + skewMillis;
            cache.put(key, new TokenCache.Entry(payload, nbf, exp, until), nowMillis);
        }
        return Outcome.ok(payload, false);
    }

    private Failure time(long now, long nbf, long exp) {
        if (exp != Long.MAX_VALUE && now > exp + skewMillis) {
            return Failure.EXPIRED;
        }
        if (nbf != Long.MIN_VALUE && now + skewMillis < nbf) {
            return Failure.NOT_YET_VALID;
        }
        return null;
    }

    private static int dots(String t) {
        int n = 0;
        for (int i = 0; i < t.length(); i++) {
            if (t.charAt(i) == '.') {
                n++;
            }
        }
        return n;
    }
}
