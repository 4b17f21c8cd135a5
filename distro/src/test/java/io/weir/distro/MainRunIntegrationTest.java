package io.weir.distro;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code weir run} end to end, in process: what it prints, how it stops, how it fails. */
class MainRunIntegrationTest {
    static final String CONFIG =
            """
            admin:
              address: 127.0.0.1:0
            listeners:
              - name: ingress
                address: 127.0.0.1:PORT
                http:
                  virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                        - match: { prefix: "/" }
                          direct_response: { status: 200, body: "hi\\n" }
            """;

    final HttpClient http =
            HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();

    @TempDir Path dir;

    @Test
    void runPrintsWhereItListensServesAndStopsOnQuitQuitQuit() throws Exception {
        Path file = Files.writeString(dir.resolve("weir.yaml"), CONFIG.replace("PORT", "0"));
        Lines out = new Lines("try: ");
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        CompletableFuture<Integer> exit =
                runInBackground(
                        new String[] {"run", "-c", file.toString(), "--concurrency", "2", "--nio"},
                        out,
                        err);
        out.seen.get(30, TimeUnit.SECONDS);

        List<String> lines = out.lines();
        assertThat(lines.get(0))
                .matches(
                        "weir \\S+ config="
                                + Pattern.quote(file.toString())
                                + " transport=nio workers=2");
        String ingress =
                group(lines, "listening name=ingress address=(http://127\\.0\\.0\\.1:\\d+)");
        String admin = group(lines, "admin address=(http://127\\.0\\.0\\.1:\\d+)");
        assertThat(lines).contains("try: curl -s " + ingress + "/");

        HttpResponse<String> hi =
                http.send(
                        HttpRequest.newBuilder(URI.create(ingress + "/"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(hi.statusCode()).isEqualTo(200);
        assertThat(hi.body()).isEqualTo("hi\n");
        assertThat(exit).isNotDone();

        http.send(
                HttpRequest.newBuilder(URI.create(admin + "/quitquitquit"))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.discarding());

        assertThat(exit.get(30, TimeUnit.SECONDS)).isEqualTo(0);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void runOnABusyPortExitsOneWithAOneLineReason() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Path file =
                    Files.writeString(
                            dir.resolve("weir.yaml"), CONFIG.replace("PORT", String.valueOf(port)));
            Lines out = new Lines("try: ");
            ByteArrayOutputStream err = new ByteArrayOutputStream();

            int code =
                    runInBackground(new String[] {"run", "-c", file.toString()}, out, err)
                            .get(30, TimeUnit.SECONDS);

            assertThat(code).isEqualTo(1);
            String message = err.toString(StandardCharsets.UTF_8);
            assertThat(message.lines()).hasSize(1);
            assertThat(message).startsWith("weir: ").contains(String.valueOf(port));
            assertThat(out.lines()).isEmpty();
        }
    }

    private static CompletableFuture<Integer> runInBackground(
            String[] args, OutputStream out, ByteArrayOutputStream err) {
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread t =
                new Thread(
                        () -> {
                            try (PrintStream o =
                                            new PrintStream(out, true, StandardCharsets.UTF_8);
                                    PrintStream e =
                                            new PrintStream(err, true, StandardCharsets.UTF_8)) {
                                exit.complete(Main.run(args, o, e, null));
                            } catch (Throwable x) {
                                exit.completeExceptionally(x);
                            }
                        },
                        "weir-main-under-test");
        t.setDaemon(true);
        t.start();
        return exit;
    }

    private static String group(List<String> lines, String regex) {
        Pattern p = Pattern.compile(regex);
        for (String line : lines) {
            Matcher m = p.matcher(line);
            if (m.matches()) {
                return m.group(1);
            }
        }
        throw new AssertionError("no line matches " + regex + " in " + lines);
    }

    /** Collects printed lines and completes {@link #seen} at the first starting with a prefix. */
    static final class Lines extends OutputStream {
        final CompletableFuture<Void> seen = new CompletableFuture<>();
        private final String prefix;
        private final List<String> lines = new ArrayList<>();
        private final ByteArrayOutputStream current = new ByteArrayOutputStream();

        Lines(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            if (b != '\n') {
                current.write(b);
                return;
            }
            String line = current.toString(StandardCharsets.UTF_8);
            current.reset();
            lines.add(line);
            if (line.startsWith(prefix)) {
                seen.complete(null);
            }
        }

        synchronized List<String> lines() {
            return List.copyOf(lines);
        }
    }
}
