/**
 * {@code weir.fault}: Envoy's fault injection filter (Istio's {@code fault} in a VirtualService).
 * Delays requests on a timer (never blocking the worker) and aborts them with an HTTP or gRPC
 * status, each for a percentage of requests; {@code max_active_faults} bounds the faults in
 * progress across the process; request headers may ask for faults when {@code headers_control} is
 * on.
 *
 * <pre>
 * - name: weir.fault
 *   config:
 *     delay: { fixed_delay: 2s, percentage: 10 }    # percentage 0..100, decimals allowed; default 100
 *     abort: { http_status: 503, percentage: 5 }    # or grpc_status: 14
 *     max_active_faults: 100                        # default: unlimited
 *     headers_control: false                        # x-weir-fault-* request headers
 *     seed: 42                                      # optional: a reproducible random sequence
 * </pre>
 */
package io.weir.filters.fault;
