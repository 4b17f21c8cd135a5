/**
 * {@code example.add_header}: the smallest useful Weir plugin. It sets one header on the request
 * sent upstream and on the response sent to the client.
 *
 * <pre>{@code
 * http:
 *   filters:
 *     - name: example.add_header
 *       config: { header: x-env, value: prod }
 *   virtual_hosts:
 *     - name: default
 *       domains: ["*"]
 *       routes:
 *         - match: { prefix: /canary/ }
 *           route: { cluster: canary }
 *           per_filter_config:
 *             example.add_header: { config: { header: x-env, value: canary } }
 * }</pre>
 *
 * <p>Packaged as {@code java-add-header.jar}; drop it into {@code plugins/add-header/}.
 */
package io.weir.examples.addheader;
