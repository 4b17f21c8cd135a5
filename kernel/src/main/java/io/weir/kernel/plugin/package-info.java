/**
 * Finding filter factories: {@link io.weir.kernel.plugin.PluginLoader} loads the built-in plugins
 * from Weir's class path and the third-party plugins from {@code plugins/<name>/*.jar}, one
 * isolated class loader per plugin directory that shares only {@code io.weir.spi} with Weir, and
 * returns an immutable {@link io.weir.kernel.plugin.PluginSet} or every problem at once in a {@link
 * io.weir.kernel.plugin.PluginLoadException}.
 *
 * <pre>
 * plugins/
 *   acme-auth/
 *     acme-auth-1.0.jar      META-INF/services/io.weir.spi.WeirPlugin names acme.auth.AuthPlugin
 *     some-library-2.3.jar   the plugin's own dependencies, in any version
 * </pre>
 *
 * <p>Threading: a load runs on the thread that calls it (start-up or the reload thread, never a
 * worker); a {@code PluginSet} is immutable and may be read from every thread.
 */
package io.weir.kernel.plugin;
