/**
 * {@code weir.api_key}: API keys from a request header or query parameter, held only as SHA-256
 * hashes (from the config or a keys file reloaded on change), compared in constant time. A known
 * key forwards the request with its consumer's name in a header (a client-sent value is removed
 * first) and in the stream metadata {@code api_key.consumer}; a missing or unknown key gets 401
 * with {@code www-authenticate: ApiKey}.
 *
 * <pre>
 * - name: weir.api_key
 *   config:
 *     from: [header:x-api-key, query:api_key]   # default [header:x-api-key]; first found wins
 *     keys:                                     # and/or keys_file
 *       - { consumer: alice, sha256: "5e88...42d8" }
 *     keys_file: conf/api-keys.txt              # lines consumer:sha256hex, # comments
 *     reload_interval: 5s                       # with keys_file
 *     consumer_header: x-consumer               # default
 *     forward: false                            # strip the key from the upstream request
 * </pre>
 */
package io.weir.filters.apikey;
