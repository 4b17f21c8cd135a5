/**
 * {@code weir.jwt_authn}: verifies JSON Web Tokens (RFC 7519) against the keys of configured
 * providers (a JWKS from a file, inline, or fetched through a cluster), as Envoy's {@code
 * jwt_authn} filter. Signatures are checked by nimbus-jose-jwt; this package chooses the key,
 * checks the claims, caches verified tokens and publishes the claims ({@code jwt.payload}).
 */
package io.weir.filters.jwtauthn;
