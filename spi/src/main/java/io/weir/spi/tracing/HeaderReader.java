package io.weir.spi.tracing;

/**
 * Read access to a request's headers for extracting a trace context. Names are lower case.
 * Threading: used only during the call it is given to.
 */
@FunctionalInterface
public interface HeaderReader {
    /** The first value of header {@code name}, or null. */
    String get(String name);
}
