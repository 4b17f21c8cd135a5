/**
 * Access logs: one line per finished request, written off the workers.
 *
 * <p>A worker builds an {@link io.weir.kernel.accesslog.AccessLogEntry} when a stream ends and
 * hands it to {@link io.weir.kernel.accesslog.AccessLog#log}, which never blocks: the entry goes
 * into a bounded lock-free queue, or is dropped and counted in {@code
 * weir_access_log_dropped_total} when the queue is full. One daemon thread per log formats the
 * entries (Envoy's default text format, or JSON) and appends them to the file, flushing whenever
 * the queue drains.
 *
 * <pre>{@code
 * access_log:
 *   - path: /dev/stdout
 *     format: text
 *   - path: /var/log/weir/access.json
 *     format: json
 * }</pre>
 */
package io.weir.kernel.accesslog;
