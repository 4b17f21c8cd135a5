package io.weir.kernel.accesslog;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;

/**
 * Where the writer thread puts its bytes. Each {@link #write} is one batch of whole lines and is
 * flushed before it returns. Used by the writer thread only.
 */
interface LogSink {
    void write(byte[] bytes) throws IOException;

    /** Closes and opens the path again (rotation). */
    void reopen() throws IOException;

    void close() throws IOException;

    /**
     * A file opened in append mode ({@code O_APPEND}): each batch is one {@code write}, so lines of
     * two logs sharing a file do not interleave within a line.
     */
    final class FileSink implements LogSink {
        private final String path;
        private OutputStream out;

        FileSink(String path) throws IOException {
            this.path = path;
            this.out = new FileOutputStream(path, true);
        }

        @Override
        public void write(byte[] bytes) throws IOException {
            if (out == null) {
                // the last reopen failed: try again, so the log recovers once the path is writable
                out = new FileOutputStream(path, true);
            }
            out.write(bytes);
            out.flush();
        }

        @Override
        public void reopen() throws IOException {
            close();
            out = new FileOutputStream(path, true);
        }

        @Override
        public void close() throws IOException {
            OutputStream o = out;
            out = null;
            if (o != null) {
                o.close();
            }
        }
    }

    /** {@code /dev/stdout} or {@code /dev/stderr}: the JVM's stream, never closed. */
    final class StreamSink implements LogSink {
        private final PrintStream out;

        StreamSink(PrintStream out) {
            this.out = out;
        }

        @Override
        public void write(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
            if (out.checkError()) {
                throw new IOException("write to standard stream failed");
            }
        }

        @Override
        public void reopen() {}

        @Override
        public void close() {
            out.flush();
        }
    }
}
