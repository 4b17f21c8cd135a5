/**
 * {@code weir.ratelimit}: a global rate limit shared by every Weir process that names the same
 * Redis, like Envoy's global rate limit with failure_mode_deny, but with the counters in Redis
 * itself rather than behind a rate limit service. Each decision is one atomic round trip: a Lua
 * script run with {@code EVALSHA} ({@link io.weir.filters.ratelimit.Script}), the request held
 * until the reply or the timeout.
 *
 * <p>The Redis client is this package's own ({@link io.weir.filters.ratelimit.RedisClient}): RESP2
 * on JDK NIO, one pipelined connection per Redis address for the whole process, on a daemon thread
 * of its own named {@code weir-redis-<address>}. Not Lettuce: it brings Netty 4.1 and Weir runs
 * Netty 4.2 (the enforcer's dependencyConvergence forbids the mix); not Jedis: it blocks. A filter
 * cannot use the kernel's event loops (SPI only), so replies come back through {@code
 * ctx.executor()}.
 *
 * <pre>
 * - name: weir.ratelimit
 *   config:
 *     redis: { address: 127.0.0.1:6379, timeout: 50ms }   # password: optional (AUTH)
 *     limit: { requests: 1000, per: 60s }
 *     key: client_ip                 # client_ip | header:NAME | route, or a list of them
 *     algorithm: sliding_window      # fixed_window | sliding_window
 *     failure_mode_deny: false       # Redis unreachable: allow (default) or deny (500)
 * </pre>
 *
 * <p>See {@code docs/filters/weir.ratelimit.md}.
 */
package io.weir.filters.ratelimit;
