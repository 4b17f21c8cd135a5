/**
 * {@code weir.rbac}: role-based access control with Istio AuthorizationPolicy semantics. DENY
 * policies are checked first; when any ALLOW policy exists, a request matching none is denied; no
 * policies allow everything. A policy matches when any of its rules matches; a rule when all of its
 * {@code from} (any source), {@code to} (any operation) and {@code when} conditions match. Sources
 * test the client address ({@code source.address}) and the JWT principal ({@code iss/sub} of the
 * {@code jwt.payload} metadata), operations the host, port, method and path (Istio's exact, {@code
 * prefix*}, {@code *suffix}, {@code *}), conditions headers and JWT claims. A denial is 403 {@code
 * RBAC: access denied} with the response flag {@code RBAC}; {@code shadow} only counts.
 *
 * <pre>
 * - name: weir.rbac
 *   config:
 *     shadow: false
 *     policies:
 *       - name: deny-admin
 *         action: DENY
 *         rules:
 *           - from: [{ source: { not_ip_blocks: [10.0.0.0/8] } }]
 *             to: [{ operation: { paths: [/admin*] } }]
 *       - name: users
 *         action: ALLOW
 *         rules:
 *           - when: [{ key: request.auth.claims[groups], values: [users] }]
 * </pre>
 */
package io.weir.filters.rbac;
