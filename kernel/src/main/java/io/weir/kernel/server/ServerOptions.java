package io.weir.kernel.server;

/**
 * How to run a {@link WeirServer}.
 *
 * @param concurrency the number of worker threads (Dispatchers), at least 1
 * @param forceNio use the NIO transport even where native epoll is available (tests, debugging)
 */
public record ServerOptions(int concurrency, boolean forceNio) {
    public ServerOptions {
        if (concurrency < 1) {
            throw new IllegalArgumentException(
                    "concurrency must be >= 1 (was " + concurrency + ")");
        }
    }

    /** One worker per available core, native transport when available. */
    public static ServerOptions defaults() {
        return new ServerOptions(Runtime.getRuntime().availableProcessors(), false);
    }
}
