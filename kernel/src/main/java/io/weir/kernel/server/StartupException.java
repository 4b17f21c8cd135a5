package io.weir.kernel.server;

/**
 * Weir could not start; the message is meant for the user as it is, e.g. {@code cannot bind
 * listener "ingress" to 127.0.0.1:10000: Address already in use}.
 */
public final class StartupException extends Exception {
    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
