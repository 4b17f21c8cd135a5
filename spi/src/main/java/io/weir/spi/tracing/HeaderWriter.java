package io.weir.spi.tracing;

/**
 * Write access to an outgoing request's headers for injecting a trace context. Names are lower
 * case. Threading: used only during the call it is given to.
 */
public interface HeaderWriter {
    /** Sets header {@code name} to {@code value}, replacing every value it had. */
    void set(String name, String value);

    /** Removes every value of header {@code name}. */
    void remove(String name);
}
