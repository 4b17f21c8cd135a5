/**
 * {@code example.allow_list}: a richer Weir plugin. For each request it reads a header naming the
 * user and asks an HTTP service whether that user may pass: {@code GET {path_prefix}{user}} to a
 * cluster, where 2xx allows, 403 or 404 denies (403 to the client), and anything else, a timeout or
 * a connection failure is a failure: 503 with response flag {@code UAEX}, or a pass with {@code
 * failure_mode_allow: true}. A missing header gets 401. Answers (not failures) are cached in shared
 * data for {@code cache_ttl}, shared by all workers. It shows pausing a request for a call-out,
 * local replies, shared data with compare-and-swap, a counter ({@code
 * example_allow_list_decisions_total{decision}}) and a rate-limited warning.
 *
 * <pre>{@code
 * http:
 *   filters:
 *     - name: example.allow_list
 *       config:
 *         cluster: allow_list        # required
 *         path_prefix: /allow/       # default /allow/
 *         header: x-api-user         # default x-api-user
 *         cache_ttl: 30s             # default 30s; 0s asks every time
 *         timeout: 200ms             # default 200ms
 *         failure_mode_allow: false  # default false
 * }</pre>
 *
 * <p>Packaged as {@code java-allow-list.jar}; drop it into {@code plugins/allow-list/}.
 */
package io.weir.examples.allowlist;
