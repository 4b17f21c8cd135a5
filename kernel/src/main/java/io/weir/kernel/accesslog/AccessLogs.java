package io.weir.kernel.accesslog;

import io.weir.kernel.config.ListenerConfig.AccessLogConfig.Format;
import io.weir.kernel.stats.Counter;
import io.weir.kernel.stats.Stats;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Opens {@link AccessLog}s. */
public final class AccessLogs {
    /** Entries queued per log before new ones are dropped. */
    public static final int DEFAULT_CAPACITY = 16384;

    private AccessLogs() {}

    /**
     * Opens {@code path} for appending ({@code /dev/stdout} and {@code /dev/stderr} are the JVM's
     * streams) and starts its writer thread. Each call returns an independent log with its own
     * writer; give listeners sharing a file one log.
     *
     * <p>Registers {@code weir_access_log_dropped_total{path}} and {@code
     * weir_access_log_write_errors_total{path}} in {@code stats}.
     *
     * @throws UncheckedIOException when the file cannot be opened
     */
    public static AccessLog open(String path, Format format, Stats stats) {
        return open(path, format, null, stats);
    }

    /** As {@link #open(String, Format, Stats)}, with a custom text format (null: the default). */
    public static AccessLog open(String path, Format format, TextFormat textFormat, Stats stats) {
        if (path == null || path.isEmpty()) {
            throw new IllegalArgumentException("access log path must not be empty");
        }
        LogSink sink;
        switch (path) {
            case "/dev/stdout" -> sink = new LogSink.StreamSink(System.out);
            case "/dev/stderr" -> sink = new LogSink.StreamSink(System.err);
            default -> {
                try {
                    sink = new LogSink.FileSink(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(
                            "access log " + path + ": cannot open: " + e.getMessage(), e);
                }
            }
        }
        return open(sink, path, format, textFormat, stats, DEFAULT_CAPACITY);
    }

    static AsyncAccessLog open(
            LogSink sink, String path, Format format, Stats stats, int capacity) {
        return open(sink, path, format, null, stats, capacity);
    }

    static AsyncAccessLog open(
            LogSink sink,
            String path,
            Format format,
            TextFormat textFormat,
            Stats stats,
            int capacity) {
        Counter dropped =
                stats.counter(
                        "weir_access_log_dropped_total",
                        "Access log entries dropped because the writer queue was full",
                        "path",
                        path);
        Counter errors =
                stats.counter(
                        "weir_access_log_write_errors_total",
                        "Access log writes, reopens and formats that failed",
                        "path",
                        path);
        return new AsyncAccessLog(
                path,
                format == null ? Format.TEXT : format,
                textFormat,
                sink,
                capacity,
                dropped,
                errors,
                stats.otherSlot());
    }
}
