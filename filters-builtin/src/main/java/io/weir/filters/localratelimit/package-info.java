/**
 * {@code weir.local_ratelimit}: Envoy's local rate limit filter. A token bucket per configured
 * block, shared by every worker of the process and updated lock-free, refilled by {@code
 * tokens_per_fill} at the end of each whole {@code fill_interval}; optionally one bucket per client
 * address, header value or route, at most {@code max_keys} of them (least recently used evicted). A
 * request without a token gets 429 with {@code retry-after}, details {@code local_rate_limited} and
 * the response flag {@code RL}; in shadow mode it is counted and passed.
 *
 * <pre>
 * - name: weir.local_ratelimit
 *   config:
 *     max_tokens: 100            # required, 1 .. 4294967295
 *     tokens_per_fill: 100       # default 1
 *     fill_interval: 1s          # required, >= 1ms
 *     key: header:x-api-key      # optional: client_ip | route | header:NAME
 *     max_keys: 10000            # with key only
 *     rate_limit_headers: false  # RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers-11)
 *     shadow: false              # count, never reject
 * </pre>
 */
package io.weir.filters.localratelimit;
