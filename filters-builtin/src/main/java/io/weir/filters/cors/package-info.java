/**
 * {@code weir.cors}: the Fetch standard's CORS protocol at the proxy, as Envoy's CORS filter does
 * it. A preflight from an allowed origin is answered here (200, never reaching the upstream); an
 * actual request from an allowed origin gets {@code access-control-allow-origin}, {@code
 * access-control-expose-headers}, {@code access-control-allow-credentials} and {@code vary: origin}
 * on its response; a request without {@code Origin} is untouched. A route may replace or disable
 * the config through {@code per_filter_config}. See {@code docs/filters/weir.cors.md}.
 *
 * <pre>
 * - name: weir.cors
 *   config:
 *     allow_origins: ["https://app.example", { regex: "https://.*\\.example\\.com" }]
 *     allow_methods: [GET, POST, PUT]
 *     allow_headers: [content-type, authorization]
 *     expose_headers: [x-request-id]
 *     max_age: 86400s
 *     allow_credentials: false
 * </pre>
 */
package io.weir.filters.cors;
