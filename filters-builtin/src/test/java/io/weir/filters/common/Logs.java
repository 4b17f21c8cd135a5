package io.weir.filters.common;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Captures what the filters log (System.Logger ends in java.util.logging in these tests); shared by
 * the tests that check secrets never reach a log line.
 */
public final class Logs extends Handler implements AutoCloseable {
    private final List<String> lines = new ArrayList<>();
    private final Logger root = Logger.getLogger("");

    public Logs() {
        root.addHandler(this);
    }

    @Override
    public synchronized void publish(LogRecord r) {
        lines.add(r.getLevel() + " " + r.getLoggerName() + " " + r.getMessage());
    }

    public synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    public synchronized String text() {
        return String.join("\n", lines);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
        root.removeHandler(this);
    }
}
