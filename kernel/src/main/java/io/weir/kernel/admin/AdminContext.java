package io.weir.kernel.admin;

import io.weir.kernel.stats.Stats;

/**
 * What the admin endpoint needs from the server. Implemented by the server.
 *
 * <p>Threading: every method is called on the admin event loop, so none may block; long work
 * (shutdown, draining) is started and the method returns at once. A method may throw: the admin
 * answers 500 with the message ({@code 400} for {@link #setLogLevel}'s {@code
 * IllegalArgumentException}).
 */
public interface AdminContext {
    /** Serving and not draining: {@code /ready} answers 200 {@code LIVE}, else 503. */
    boolean live();

    /** {@code LIVE}, {@code PRE_INITIALIZING} or {@code DRAINING}. */
    String state();

    Stats stats();

    /** The running configuration as JSON. */
    String configDumpJson();

    /** Clusters and their hosts, Envoy's {@code /clusters} style text. */
    String clustersText();

    /** One line per listener: {@code name::host:port}. */
    String listenersText();

    /** Version, state, uptime and options as JSON. */
    String serverInfoJson();

    /** Starts a graceful shutdown and returns at once. */
    void quitQuitQuit();

    /** Stops accepting new connections; {@code graceful} lets open connections finish first. */
    void drainListeners(boolean graceful);

    /** Reopens access logs (after rotation). */
    void reopenLogs();

    /**
     * Sets the server's log level.
     *
     * @throws IllegalArgumentException for an unknown level, with a message for the client
     */
    void setLogLevel(String level);

    /**
     * Reloads the config file and plugins off the admin loop; the future completes with a line
     * saying what happened, or fails with {@link io.weir.kernel.server.ReloadException}-like errors
     * (any exception: its message lists why the reload was rejected).
     */
    default java.util.concurrent.CompletableFuture<String> reloadConfig() {
        return java.util.concurrent.CompletableFuture.failedFuture(
                new IllegalStateException("this server was not started from a config file"));
    }

    /** Reloads the plugins (and the config file that names them); see {@link #reloadConfig}. */
    default java.util.concurrent.CompletableFuture<String> reloadPlugins() {
        return reloadConfig();
    }

    /** The loaded plugins and the last reload's outcome, as JSON. */
    default String pluginsJson() {
        return "{\n  \"plugins\": [],\n  \"last_reload\": null\n}\n";
    }
}
