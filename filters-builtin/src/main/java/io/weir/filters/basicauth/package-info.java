/**
 * {@code weir.basic_auth}: HTTP Basic authentication (RFC 7617) against an htpasswd file of bcrypt
 * hashes, reloaded on change. bcrypt runs on a small bounded pool, never on an event loop; recent
 * successes are cached briefly under a salted SHA-256 of the credentials. Missing, malformed or
 * wrong credentials get 401 with {@code www-authenticate: Basic realm="..."}; a full pool gets 503.
 *
 * <pre>
 * - name: weir.basic_auth
 *   config:
 *     htpasswd_file: conf/htpasswd        # required; bcrypt only (htpasswd -B)
 *     realm: weir                         # default
 *     forward_username_header: x-user     # optional
 *     forward: false                      # strip authorization from the upstream request
 *     cache: { ttl: 60s, max_entries: 1000 }
 *     reload_interval: 5s
 * </pre>
 */
package io.weir.filters.basicauth;
