package io.weir.kernel.config;

import java.util.List;

/**
 * Every error of one config load, each naming its YAML path, for example {@code
 * listeners[0].http.virtual_hosts[0].routes[0].route.cluster: unknown cluster "nowhere"}.
 */
public final class ConfigException extends Exception {
    private final List<String> errors;

    public ConfigException(List<String> errors) {
        super(String.join("\n", errors));
        this.errors = List.copyOf(errors);
    }

    /** The errors in file order, one line each. */
    public List<String> errors() {
        return errors;
    }
}
