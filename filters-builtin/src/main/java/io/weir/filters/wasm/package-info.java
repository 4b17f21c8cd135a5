/**
 * {@code weir.wasm}: runs proxy-wasm modules (ABI 0.1.0, 0.2.0, 0.2.1) on Chicory, compiled to JVM
 * bytecode once per module, one instance per worker, adapted onto Weir's filter SPI like any other
 * filter.
 *
 * <pre>
 * - name: weir.wasm
 *   config:
 *     module: plugins/filter.wasm          # relative to the config file
 *     root_id: ""
 *     vm_id: ""
 *     configuration: '{"header": "x-hello", "value": "wasm"}'
 *     vm_configuration: ""
 *     fail_policy: fail_closed             # fail_closed | fail_open | reload
 *     limits: { memory_mb: 64, callback_timeout: 50ms }
 * </pre>
 */
package io.weir.filters.wasm;
