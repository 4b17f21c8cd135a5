package io.weir.filters.jwtauthn;

/** Why a token was refused: the 401 body (Envoy's texts) and the stats label. */
enum Failure {
    MISSING("Jwt is missing", "missing"),
    MALFORMED(
            "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections",
            "malformed"),
    BAD_ALG("Jwt verification fails", "unsupported_alg"),
    EXPIRED("Jwt is expired", "expired"),
    NOT_YET_VALID("Jwt not yet valid", "not_yet_valid"),
    ISSUER("Jwt issuer is not configured", "issuer"),
    AUDIENCE("Audiences in Jwt are not allowed", "audience"),
    UNKNOWN_KID("Jwks doesn't have key to match kid or alg from Jwt", "unknown_kid"),
    SIGNATURE("Jwt verification fails", "signature"),
    JWKS_FETCH("Jwks remote fetch is failed", "jwks_fetch");

    final String body;
    final String label;

    Failure(String body, String label) {
        this.body = body;
        this.label = label;
    }
}
