package io.weir.filters.jwtauthn;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.weir.spi.testkit.FilterHarness;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.function.Consumer;

/** Keys generated once per test run and tokens signed with them (nimbus-jose-jwt). */
final class Tokens {
    static final String ISSUER = "https://issuer.example";
    static final String AUDIENCE = "my-api";
    static final long NOW = FilterHarness.START_MILLIS;

    static final RSAKey RSA = rsa("rsa-1");
    static final RSAKey RSA_2 = rsa("rsa-2");
    static final ECKey EC_256 = ec("ec-256", Curve.P_256);
    static final ECKey EC_384 = ec("ec-384", Curve.P_384);

    private Tokens() {}

    static RSAKey rsa(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static ECKey ec(String kid, Curve curve) {
        try {
            return new ECKeyGenerator(curve).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public JWKS of these keys. */
    static String jwks(JWK... keys) {
        return new JWKSet(List.of(keys)).toString(true);
    }

    /** Claims valid from an hour ago for an hour from {@link #NOW}, for the issuer and audience. */
    static JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .audience(AUDIENCE)
                .subject("alice")
                .issueTime(new Date(NOW - 3_600_000))
                .notBeforeTime(new Date(NOW - 3_600_000))
                .expirationTime(new Date(NOW + 3_600_000));
    }

    static String sign(JWSAlgorithm alg, JWK key, JWTClaimsSet claims) {
        return sign(alg, key.getKeyID(), signer(key), claims);
    }

    static String sign(JWSAlgorithm alg, String kid, JWSSigner signer, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).build(), claims);
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static String rs256(Consumer<JWTClaimsSet.Builder> edit) {
        JWTClaimsSet.Builder b = claims();
        edit.accept(b);
        return sign(JWSAlgorithm.RS256, RSA, b.build());
    }

    static String rs256() {
        return rs256(b -> {});
    }

    static JWSSigner signer(JWK key) {
        try {
            if (key instanceof RSAKey r) {
                return new RSASSASigner(r);
            }
            if (key instanceof ECKey e) {
                return new ECDSASigner(e);
            }
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalArgumentException("no signer for " + key.getKeyType());
    }

    static MACSigner mac(byte[] secret) {
        try {
            return new MACSigner(secret);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static String b64(String s) {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** An unsigned token: {@code alg: none}, empty signature. */
    static String algNone(JWTClaimsSet claims) {
        return b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + b64(claims.toString()) + ".";
    }
}
