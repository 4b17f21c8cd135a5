package io.weir.kernel.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.kernel.config.ListenerConfig.AccessLogConfig.Format;
import io.weir.kernel.stats.Stats;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AsyncAccessLogTest {
    @TempDir Path dir;

    private final Stats stats = new Stats(2);

    static AccessLogEntry entry(String path) {
        return new AccessLogEntry(
                AccessLogFormatterTest.START,
                "GET",
                path,
                "HTTP/1.1",
                200,
                0,
                0,
                2,
                1,
                1,
                null,
                "curl/8",
                "id-1",
                "example.com",
                "127.0.0.1:8080",
                "r",
                "c",
                "127.0.0.1:5000",
                "via_upstream",
                null,
                null,
                null);
    }

    static String line(String path) {
        return "[2016-04-15T20:17:00.310Z] \"GET "
                + path
                + " HTTP/1.1\" 200 - 0 2 1 1 \"-\" \"curl/8\" \"id-1\" \"example.com\""
                + " \"127.0.0.1:8080\"";
    }

    private long counter(String name, String path) {
        return stats.counter(name, "", "path", path).value();
    }

    /** A sink whose writes block until released, recording what they wrote. */
    static final class BlockingSink implements LogSink {
        final CountDownLatch writing = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
        final AtomicBoolean closed = new AtomicBoolean();

        @Override
        public void write(byte[] bytes) throws IOException {
            writing.countDown();
            try {
                if (!release.await(30, TimeUnit.SECONDS)) {
                    throw new IOException("test never released the sink");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            for (String l : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
                lines.add(l);
            }
        }

        @Override
        public void reopen() {}

        @Override
        public void close() {
            closed.set(true);
        }
    }

    @Test
    void dropsAndCountsEntriesWhenTheQueueIsFull() throws Exception {
        BlockingSink sink = new BlockingSink();
        AsyncAccessLog log = AccessLogs.open(sink, "blocked", Format.TEXT, stats, 4);
        log.log(entry("/0"));
        assertThat(sink.writing.await(10, TimeUnit.SECONDS)).isTrue();
        // the writer is stuck writing /0 with an empty queue: 4 fit, 6 are dropped
        for (int i = 1; i <= 10; i++) {
            log.log(entry("/" + i));
        }
        assertThat(counter("weir_access_log_dropped_total", "blocked")).isEqualTo(6);
        assertThat(log.dropped()).isEqualTo(6);
        assertThat(stats.renderPrometheus())
                .contains("weir_access_log_dropped_total{path=\"blocked\"} 6\n");

        sink.release.countDown();
        log.close();
        assertThat(sink.lines)
                .containsExactly(line("/0"), line("/1"), line("/2"), line("/3"), line("/4"));
        assertThat(sink.closed).isTrue();
        assertThat(log.writerThread().isAlive()).isFalse();
    }

    @Test
    void entriesLoggedAfterCloseAreDroppedAndCounted() {
        BlockingSink sink = new BlockingSink();
        sink.release.countDown();
        AsyncAccessLog log = AccessLogs.open(sink, "closed", Format.TEXT, stats, 4);
        log.close();
        log.close(); // idempotent
        log.log(entry("/late"));
        assertThat(sink.lines).isEmpty();
        assertThat(counter("weir_access_log_dropped_total", "closed")).isEqualTo(1);
    }

    @Test
    void writesTextLinesToAFileAndEveryEntryOfConcurrentProducers() throws Exception {
        Path file = dir.resolve("access.log");
        AccessLog log = AccessLogs.open(file.toString(), Format.TEXT, stats);
        int threads = 4;
        int perThread = 2500;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                done.add(
                        CompletableFuture.runAsync(
                                () -> {
                                    for (int i = 0; i < perThread; i++) {
                                        log.log(entry("/" + id + "/" + i));
                                    }
                                },
                                pool));
            }
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new))
                    .get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        log.close();
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(threads * perThread);
        Set<String> distinct = new HashSet<>(lines);
        assertThat(distinct).hasSize(threads * perThread).contains(line("/3/2499"));
        assertThat(counter("weir_access_log_dropped_total", file.toString())).isZero();
    }

    @Test
    void writesJsonLines() throws Exception {
        Path file = dir.resolve("access.json");
        AccessLog log = AccessLogs.open(file.toString(), Format.JSON, stats);
        log.log(entry("/\"q\""));
        log.close();
        assertThat(Files.readAllLines(file))
                .singleElement()
                .asString()
                .startsWith("{\"start_time\":\"2016-04-15T20:17:00.310Z\",\"method\":\"GET\",")
                .contains("\"path\":\"/\\\"q\\\"\"")
                .endsWith("\"response_code_details\":\"via_upstream\",\"trace_id\":null}");
    }

    @Test
    void reopenAfterTheFileWasMovedAwayWritesToANewFile() throws Exception {
        Path file = dir.resolve("access.log");
        Path rotated = dir.resolve("access.log.1");
        AccessLog log = AccessLogs.open(file.toString(), Format.TEXT, stats);
        log.log(entry("/before"));
        Files.move(file, rotated);
        log.reopen();
        log.log(entry("/after"));
        log.close();
        assertThat(Files.readAllLines(rotated)).containsExactly(line("/before"));
        assertThat(Files.readAllLines(file)).containsExactly(line("/after"));
    }

    @Test
    void appendsToAnExistingFile() throws Exception {
        Path file = dir.resolve("access.log");
        Files.writeString(file, "old\n");
        AccessLog log = AccessLogs.open(file.toString(), Format.TEXT, stats);
        log.log(entry("/new"));
        log.close();
        assertThat(Files.readAllLines(file)).containsExactly("old", line("/new"));
    }

    @Test
    void countsAFailedWriteAndCarriesOn() throws Exception {
        CountDownLatch failed = new CountDownLatch(1);
        ConcurrentLinkedQueue<String> written = new ConcurrentLinkedQueue<>();
        LogSink sink =
                new LogSink() {
                    @Override
                    public void write(byte[] bytes) throws IOException {
                        if (failed.getCount() > 0) {
                            failed.countDown();
                            throw new IOException("disk full");
                        }
                        written.add(new String(bytes, StandardCharsets.UTF_8));
                    }

                    @Override
                    public void reopen() {}

                    @Override
                    public void close() {}
                };
        AsyncAccessLog log = AccessLogs.open(sink, "failing", Format.TEXT, stats, 16);
        log.log(entry("/lost"));
        assertThat(failed.await(10, TimeUnit.SECONDS)).isTrue();
        log.log(entry("/kept"));
        log.close();
        assertThat(written).containsExactly(line("/kept") + "\n");
        assertThat(counter("weir_access_log_write_errors_total", "failing")).isEqualTo(1);
    }

    @Test
    void devStdoutWritesToSystemOut() {
        PrintStream saved = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        AccessLog log;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            log = AccessLogs.open("/dev/stdout", Format.TEXT, stats);
            log.log(entry("/stdout"));
            log.reopen(); // a no-op for standard streams
            log.close();
        } finally {
            System.setOut(saved);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).isEqualTo(line("/stdout") + "\n");
    }

    @Test
    void failsToOpenAFileInAMissingDirectory() {
        String path = dir.resolve("missing").resolve("access.log").toString();
        assertThatThrownBy(() -> AccessLogs.open(path, Format.TEXT, stats))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageStartingWith("access log " + path + ": cannot open: ");
    }
}
