/**
 * {@code weir.ext_authz}: Envoy's external authorization filter with an HTTP authorization service.
 * Each request is paused while a check request (the original method, {@code path_prefix} + the
 * original path, the chosen headers) goes to a configured cluster through the SPI's call-out; a 2xx
 * answer lets the request through (chosen headers of the answer copied upstream), any other status
 * is returned to the client with its body and the chosen headers (response flag {@code UAEX}), and
 * a failure answers {@code status_on_error} unless {@code failure_mode_allow} lets it through.
 *
 * <pre>
 * - name: weir.ext_authz
 *   config:
 *     cluster: authz                       # required
 *     path_prefix: /check                  # default none
 *     timeout: 200ms                       # default 200ms
 *     allowed_request_headers: [cookie]    # authorization is always sent
 *     allowed_upstream_headers: [x-auth-user]
 *     allowed_client_headers: [set-cookie] # default: every header of the answer
 *     failure_mode_allow: false
 *     status_on_error: 403
 *     with_request_body: { max_request_bytes: 8192 }
 * </pre>
 */
package io.weir.filters.extauthz;
