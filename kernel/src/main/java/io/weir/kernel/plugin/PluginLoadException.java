package io.weir.kernel.plugin;

import java.util.List;

/**
 * Every problem of one plugin load, each a full sentence naming the plugin directory or jar, for
 * example {@code filter "acme.add_header" is defined twice: by plugins/a/a.jar and by
 * plugins/b/b.jar}. The message is the errors joined by newlines.
 */
public final class PluginLoadException extends Exception {
    private static final long serialVersionUID = 1L;

    private final List<String> errors;

    public PluginLoadException(List<String> errors) {
        super(String.join("\n", errors));
        this.errors = List.copyOf(errors);
    }

    /** The errors in the order they were found, one sentence each. */
    public List<String> errors() {
        return errors;
    }
}
