package io.weir.filters.jwtauthn;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The verification keys of one provider at one time: the RSA and EC public keys of a JWKS, or one
 * configured HMAC secret. Each key verifies only the algorithms of its own type (RS/PS for RSA, ES
 * for EC on its curve, HS for the secret) and, when the JWK names one, only its {@code alg}: an
 * HMAC token can never be checked against an RSA public key (algorithm confusion). Immutable and
 * thread-safe.
 */
final class Keys {
    /** One usable key. */
    record Key(String kid, JWSAlgorithm alg, Set<JWSAlgorithm> algorithms, JWSVerifier verifier) {}

    private final List<Key> keys;
    private final String fingerprint;

    private Keys(List<Key> keys, String fingerprint) {
        this.keys = List.copyOf(keys);
        this.fingerprint = fingerprint;
    }

    int size() {
        return keys.size();
    }

    /** Whether {@code other} holds the same key material (a refetch that changed nothing). */
    boolean sameAs(Keys other) {
        return other != null && fingerprint.equals(other.fingerprint);
    }

    /**
     * The RSA and EC public keys of a JWKS document. Other key types (symmetric {@code oct}, OKP
     * for EdDSA) are skipped: a symmetric key is accepted only as {@code hmac_secret}. So are keys
     * whose {@code use} is not {@code sig}.
     *
     * @throws ParseException when the text is not a JWKS
     */
    static Keys parseJwks(String json) throws ParseException {
        JWKSet set = JWKSet.parse(json);
        List<Key> out = new ArrayList<>();
        StringBuilder fp = new StringBuilder();
        for (JWK jwk : set.getKeys()) {
            if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
                continue; // a key published for encryption never checks a signature
            }
            JWSVerifier v;
            try {
                if (jwk instanceof RSAKey rsa) {
                    v = new RSASSAVerifier(rsa.toRSAPublicKey());
                } else if (jwk instanceof ECKey ec) {
                    v = new ECDSAVerifier(ec.toECPublicKey());
                } else {
                    continue;
                }
            } catch (JOSEException e) {
                continue; // an unusable key (bad curve, bad numbers): skipped like an unknown type
            }
            JWSAlgorithm alg =
                    jwk.getAlgorithm() == null
                            ? null
                            : JWSAlgorithm.parse(jwk.getAlgorithm().getName());
            out.add(new Key(jwk.getKeyID(), alg, v.supportedJWSAlgorithms(), v));
            fp.append(jwk.toPublicJWK().toJSONString()).append('\n');
        }
        return new Keys(out, fp.toString());
    }

    /** One HMAC secret (HS256, and HS384/HS512 when it is long enough for them). */
    static Keys hmac(byte[] secret) throws JOSEException {
        MACVerifier v = new MACVerifier(secret);
        return new Keys(List.of(new Key(null, null, v.supportedJWSAlgorithms(), v)), "hmac");
    }

    /**
     * Checks the token's signature with the keys that may verify it: those whose {@code kid}
     * matches (or that have none) and whose type and {@code alg} fit the token's algorithm. Returns
     * null when one verifies it, {@link Failure#UNKNOWN_KID} when no key fits, else {@link
     * Failure#SIGNATURE}.
     */
    Failure verify(SignedJWT jwt) {
        JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
        String kid = jwt.getHeader().getKeyID();
        boolean tried = false;
        for (Key k : keys) {
            if (kid != null && k.kid() != null && !kid.equals(k.kid())) {
                continue;
            }
            if (!k.algorithms().contains(alg) || (k.alg() != null && !k.alg().equals(alg))) {
                continue;
            }
            tried = true;
            try {
                if (jwt.verify(k.verifier())) {
                    return null;
                }
            } catch (JOSEException | IllegalStateException e) {
                // a key that cannot check this token: try the next
            }
        }
        return tried ? Failure.SIGNATURE : Failure.UNKNOWN_KID;
    }
}
