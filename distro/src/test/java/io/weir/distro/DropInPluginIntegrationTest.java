package io.weir.distro;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "must show": with {@code weir run} serving continuous load, copying the built {@code
 * java-add-header} jar into a plugin directory and adding {@code example.add_header} to the config
 * file makes responses carry the header within a few seconds, no request fails during the swap, and
 * {@code GET /plugins} lists the plugin. Nothing is called by hand: the file watcher does the
 * reload.
 */
class DropInPluginIntegrationTest {
    static final String CONFIG =
            """
            admin: { address: 127.0.0.1:0 }
            listeners:
              - name: ingress
                address: 127.0.0.1:0
                http:
                  filters: FILTERS
                  virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                        - match: { prefix: "/" }
                          direct_response: { status: 200, body: "hi" }
            """;

    @TempDir Path dir;

    @Test
    void droppingInThePluginJarAndNamingItInTheConfigAddsTheHeaderWithoutAFailedRequest()
            throws Exception {
        Path jar = Path.of(System.getProperty("weir.test.addHeaderJar"));
        assertThat(jar).as("the example plugin is built before this test").exists();
        Path file = Files.writeString(dir.resolve("weir.yaml"), CONFIG.replace("FILTERS", "[]"));
        Files.createDirectories(dir.resolve("plugins"));
        LineWatch out = new LineWatch();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread main =
                new Thread(
                        () -> {
                            try (PrintStream o =
                                            new PrintStream(out, true, StandardCharsets.UTF_8);
                                    PrintStream e =
                                            new PrintStream(err, true, StandardCharsets.UTF_8)) {
                                exit.complete(
                                        Main.run(
                                                new String[] {
                                                    "run",
                                                    "-c",
                                                    file.toString(),
                                                    "--concurrency",
                                                    "2"
                                                },
                                                o,
                                                e,
                                                null));
                            }
                        });
        main.setDaemon(true);
        main.start();
        out.started.get(30, TimeUnit.SECONDS);
        String ingress = out.find("listening name=ingress address=(http://127\\.0\\.0\\.1:\\d+)");
        String admin = out.find("admin address=(http://127\\.0\\.0\\.1:\\d+)");
        HttpClient http =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();

        AtomicBoolean run = new AtomicBoolean(true);
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger withHeader = new AtomicInteger();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Thread t =
                    new Thread(
                            () -> {
                                while (run.get()) {
                                    try {
                                        HttpResponse<String> r =
                                                http.send(
                                                        HttpRequest.newBuilder(
                                                                        URI.create(ingress + "/"))
                                                                .timeout(Duration.ofSeconds(5))
                                                                .build(),
                                                        HttpResponse.BodyHandlers.ofString());
                                        sent.incrementAndGet();
                                        if (r.statusCode() != 200 || !r.body().equals("hi")) {
                                            failures.add(r.statusCode() + " " + r.body());
                                        } else if ("from-plugin"
                                                .equals(
                                                        r.headers()
                                                                .firstValue("x-added")
                                                                .orElse(null))) {
                                            withHeader.incrementAndGet();
                                        }
                                    } catch (Exception e) {
                                        failures.add(e.toString());
                                    }
                                }
                            });
            t.start();
            clients.add(t);
        }
        try {
            awaitAtLeast(sent, 100);
            // drop in: the jar into its own subdirectory, then the config naming the filter
            Path pluginDir = Files.createDirectories(dir.resolve("plugins/add-header"));
            Files.copy(jar, pluginDir.resolve("tmp.part"), StandardCopyOption.REPLACE_EXISTING);
            Files.move(
                    pluginDir.resolve("tmp.part"),
                    pluginDir.resolve("java-add-header.jar"),
                    StandardCopyOption.ATOMIC_MOVE);
            Files.writeString(
                    dir.resolve("weir.yaml.tmp"),
                    CONFIG.replace(
                            "FILTERS",
                            "[{ name: example.add_header, config: { header: x-added, value:"
                                    + " from-plugin } }]"));
            long dropped = System.nanoTime();
            Files.move(dir.resolve("weir.yaml.tmp"), file, StandardCopyOption.ATOMIC_MOVE);
            awaitAtLeast(withHeader, 200);
            double seconds = (System.nanoTime() - dropped) / 1e9;
            assertThat(seconds).as("seconds until responses carry the header").isLessThan(10);
        } finally {
            run.set(false);
            for (Thread t : clients) {
                t.join(10_000);
            }
        }
        assertThat(failures).as("failed requests during the swap").isEmpty();

        HttpResponse<String> plugins =
                http.send(
                        HttpRequest.newBuilder(URI.create(admin + "/plugins")).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(plugins.body())
                .contains(
                        "\"name\": \"add-header\"", "example.add_header", "\"state\": \"active\"");

        http.send(
                HttpRequest.newBuilder(URI.create(admin + "/quitquitquit"))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
    }

    private static void awaitAtLeast(AtomicInteger n, int want) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (n.get() < want && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // poll a counter
        }
        assertThat(n.get()).isGreaterThanOrEqualTo(want);
    }

    /** Collects printed lines; {@code started} completes at the banner's last line. */
    static final class LineWatch extends OutputStream {
        final CompletableFuture<Void> started = new CompletableFuture<>();
        private final List<String> lines = new ArrayList<>();
        private final ByteArrayOutputStream current = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            if (b != '\n') {
                current.write(b);
                return;
            }
            String line = current.toString(StandardCharsets.UTF_8);
            current.reset();
            lines.add(line);
            if (line.startsWith("try: ")) {
                started.complete(null);
            }
        }

        synchronized String find(String regex) {
            Pattern p = Pattern.compile(regex);
            for (String line : lines) {
                Matcher m = p.matcher(line);
                if (m.matches()) {
                    return m.group(1);
                }
            }
            throw new AssertionError("no line matches " + regex + " in " + lines);
        }
    }
}
