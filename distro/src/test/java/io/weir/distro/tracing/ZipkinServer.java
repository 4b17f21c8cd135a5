package io.weir.distro.tracing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Zipkin server (the {@code zipkin-server} exec jar Maven copies for the tests), in-memory
 * storage, on a free port; started once per test class.
 */
final class ZipkinServer implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;
    private final HttpClient http = HttpClient.newHttpClient();

    private ZipkinServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    static ZipkinServer start() throws Exception {
        String jar = System.getProperty("weir.test.zipkinJar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException(
                    "no Zipkin server jar at " + jar + " (mvn process-test-resources copies it)");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = Files.createTempFile("zipkin-", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb =
                new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("STORAGE_TYPE", "mem");
        env.put("QUERY_PORT", Integer.toString(port));
        env.put("COLLECTOR_SCRIBE_ENABLED", "false");
        ZipkinServer z = new ZipkinServer(pb.start(), port, log);
        try {
            z.awaitHealthy(Duration.ofSeconds(90));
        } catch (Exception e) {
            z.close();
            throw e;
        }
        return z;
    }

    private void awaitHealthy(Duration max) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("zipkin exited:\n" + Files.readString(log));
            }
            try {
                HttpResponse<String> r = get("/health");
                if (r.statusCode() == 200 && r.body().contains("UP")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            process.waitFor(200, TimeUnit.MILLISECONDS); // poll with a deadline
        }
        throw new IllegalStateException(
                "zipkin not healthy in " + max + ":\n" + Files.readString(log));
    }

    String spansEndpoint() {
        return "http://127.0.0.1:" + port + "/api/v2/spans";
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The trace's spans once there are at least {@code count} (polling up to 20 s), else fails. */
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> awaitTrace(String traceId, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<Map<String, Object>> last = List.of();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = get("/api/v2/trace/" + traceId);
            if (r.statusCode() == 200) {
                last = (List<Map<String, Object>>) (List<?>) Json.parse(r.body());
                if (last.size() >= count) {
                    return last;
                }
            }
            process.waitFor(100, TimeUnit.MILLISECONDS);
        }
        throw new AssertionError(
                "trace "
                        + traceId
                        + " has "
                        + last.size()
                        + " spans, expected "
                        + count
                        + ": "
                        + last);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
