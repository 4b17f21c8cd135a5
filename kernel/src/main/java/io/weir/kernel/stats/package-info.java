/**
 * Counters, gauges and histograms for the hot path, rendered for the admin's {@code /stats}.
 *
 * <p>Every metric keeps one slot per worker, each on its own cache lines and written only by that
 * worker (an opaque store, no lock, no CAS, no contended line); reads sum the slots. One extra
 * slot, {@link io.weir.kernel.stats.Stats#otherSlot()}, is shared by every thread that is not a
 * worker (admin, main, the access-log writer) and is updated atomically.
 *
 * <pre>{@code
 * Stats stats = new Stats(workers);
 * Counter rq = stats.counter("weir_http_downstream_rq_total", "Requests received", "listener", "ingress");
 * // on worker 3's thread, per request:
 * rq.inc(3);
 * }</pre>
 *
 * <p>Registering ({@code counter}, {@code gauge}, ...) is thread-safe and meant for config time;
 * the same name and labels return the same instance.
 */
package io.weir.kernel.stats;
