package io.weir.kernel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.config.ConfigException;
import io.weir.kernel.config.ConfigLoader;
import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.config.FilterSource;
import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Access logs of a real Weir: a custom text format, JSON, and reopening after rotation. */
@ExtendWith(NettyLeakCheck.class)
class AccessLogIntegrationTest {
    @TempDir Path dir;

    private String config(String upstream) {
        return """
                admin: { address: 127.0.0.1:0 }
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                      access_log:
                        - path: %s
                          text_format: "%%REQ(:METHOD)%% %%REQ(:PATH)%% %%RESPONSE_CODE%% %%RESPONSE_FLAGS%% %%ROUTE_NAME%% %%UPSTREAM_CLUSTER%% %%RESP(content-type)%% trace=%%TRACE_ID%%"
                        - path: %s
                          format: json
                      virtual_hosts:
                        - name: default
                          domains: ["*"]
                          routes:
                            - name: api
                              match: { prefix: "/api" }
                              route: { cluster: backend }
                clusters:
                  - name: backend
                    endpoints: [{ address: "%s" }]
                """
                .formatted(dir.resolve("access.log"), dir.resolve("access.json"), upstream);
    }

    private static void get(Weir weir, String path, int status) throws Exception {
        try (RawClient c = new RawClient(weir.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(status);
        }
    }

    /** The file's lines once it has {@code n} (the writer thread appends them soon after). */
    private static List<String> awaitLines(Path file, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                lines = Files.readAllLines(file);
                if (lines.size() >= n) {
                    return lines;
                }
            }
            Thread.yield();
        }
        return lines;
    }

    @Test
    void writesTheCustomFormatAndReopensAfterTheFileWasMovedAway() throws Exception {
        Path log = dir.resolve("access.log");
        Path rotated = dir.resolve("access.log.1");
        try (TestUpstream up = new TestUpstream();
                Weir weir = Weir.start(config(up.address()))) {
            get(weir, "/api/a", 200);
            assertThat(awaitLines(log, 1)).hasSize(1);
            Files.move(log, rotated);
            assertThat(weir.admin("POST", "/reopen_logs").status()).isEqualTo(200);
            get(weir, "/nothing", 404);
            assertThat(awaitLines(log, 1))
                    .containsExactly("GET /nothing 404 NR - - text/plain; charset=utf-8 trace=-");
        }
        assertThat(Files.readAllLines(rotated))
                .singleElement()
                .asString()
                .startsWith("GET /api/a 200 - api backend ")
                .endsWith(" trace=-");
        assertThat(Files.readAllLines(dir.resolve("access.json")))
                .hasSize(2)
                .allSatisfy(l -> assertThat(l).endsWith(",\"trace_id\":null}"));
    }

    @Test
    void rejectsATextFormatWithJsonAndAnUnknownCommand() {
        String yaml =
                config("127.0.0.1:1")
                        .replace(
                                "format: json",
                                "format: json\n          text_format: \"%START_TIME%\"")
                        .replace("trace=%TRACE_ID%", "%NOPE%");
        try {
            ConfigLoader.parse(yaml, dir, FilterSource.fixed(FilterRegistry.EMPTY));
            throw new AssertionError("expected a ConfigException");
        } catch (ConfigException e) {
            assertThat(e.errors())
                    .containsExactly(
                            "listeners[0].http.access_log[0].text_format: unknown command %NOPE% at"
                                    + " offset 114",
                            "listeners[0].http.access_log[1].text_format: only with format: text"
                                    + " (format is json)");
        }
    }
}
