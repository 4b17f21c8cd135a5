package io.weir.kernel.server;

import java.util.List;

/** A reload was rejected whole; the old config keeps serving. Each error is a full sentence. */
public final class ReloadException extends Exception {
    private static final long serialVersionUID = 1L;
    private final List<String> errors;

    public ReloadException(List<String> errors) {
        super(String.join("\n", errors));
        this.errors = List.copyOf(errors);
    }

    public List<String> errors() {
        return errors;
    }
}
