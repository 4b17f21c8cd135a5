package io.weir.spi;

/**
 * A filter rejected its configuration in {@link HttpFilterRoot#onConfigure}. The message is shown
 * to the operator after the filter's YAML path: write what was expected. Thrown on the worker that
 * configures the root; Weir collects it there.
 */
public class FilterConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public FilterConfigException(String message) {
        super(message);
    }

    public FilterConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
