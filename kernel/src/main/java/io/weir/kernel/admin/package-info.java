/**
 * The admin HTTP endpoint, as Envoy's {@code /ready}, {@code /stats}, {@code /config_dump}, {@code
 * /quitquitquit} and friends.
 *
 * <p>The admin runs on its own event loop (not a worker) with Netty's HTTP codec: it is not the hot
 * path. The server implements {@link io.weir.kernel.admin.AdminContext}; every call to it is made
 * on the admin thread.
 */
package io.weir.kernel.admin;
