/**
 * {@code weir.header_mutation}: adds, sets, removes and renames request headers (before the router)
 * and response headers (before the client), with values that may use Envoy-style placeholders such
 * as {@code %CLIENT_IP%} or {@code %REQ(x-user)%}, parsed once at config time. Each direction
 * applies remove, then rename, then set, then add; a route may replace the config through {@code
 * per_filter_config}. See {@code docs/filters/weir.header_mutation.md}.
 *
 * <pre>
 * - name: weir.header_mutation
 *   config:
 *     request:
 *       add:    [{ name: x-client, value: "%CLIENT_IP%" }]
 *       set:    [{ name: x-route, value: "%ROUTE_NAME%" }]
 *       remove: [x-internal-secret]
 *       rename: [{ from: x-old, to: x-new }]
 *     response:
 *       set:    [{ name: x-request-id, value: "%REQUEST_ID%" }]
 *       remove: [server]
 * </pre>
 */
package io.weir.filters.headermutation;
