package io.weir.filters.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Weir processes (each its own JVM, launched from this test's class path) share one Redis: the
 * limit holds across them.
 */
class RateLimitTwoProcessesIntegrationTest {
    @TempDir static Path dir;
    static RedisServer redis;
    static TestUpstream upstream;
    static final List<WeirProcess> weirs = new ArrayList<>();

    /** One child Weir: its process, its output, its ports. */
    record WeirProcess(Process process, List<String> output, Map<String, Integer> ports) {
        int port(String name) {
            return ports.get(name);
        }

        /** The sum of every series of {@code metric} on its /stats/prometheus. */
        double stat(String metric) throws IOException {
            try (RawClient c = new RawClient(ports.get("admin"))) {
                c.send("GET /stats/prometheus HTTP/1.1\r\nHost: admin\r\n\r\n");
                double sum = 0;
                for (String l : c.read().body().split("\n")) {
                    if (l.startsWith(metric + "{") || l.startsWith(metric + " ")) {
                        sum += Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
                    }
                }
                return sum;
            }
        }
    }

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start(dir);
        upstream = new TestUpstream("up");
        String ten =
                "{ redis: { address: '"
                        + redis.address()
                        + "', timeout: 1s }, limit: { requests: 10, per: 60s } }";
        String acc =
                "{ redis: { address: '"
                        + redis.address()
                        + "', timeout: 1s }, limit: { requests: 300, per: 60s },"
                        + " key: [client_ip, 'header:x-test'] }";
        Path yaml = dir.resolve("weir.yaml");
        Files.writeString(
                yaml,
                RateLimitIntegrationTest.yaml(
                        upstream.address(),
                        RateLimitIntegrationTest.listener("ten", ten),
                        RateLimitIntegrationTest.listener("acc", acc)));
        List<CompletableFuture<WeirProcess>> starting = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            starting.add(launch(yaml, "weir-" + i));
        }
        for (CompletableFuture<WeirProcess> f : starting) {
            weirs.add(f.get(60, TimeUnit.SECONDS));
        }
    }

    static CompletableFuture<WeirProcess> launch(Path yaml, String name) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p =
                new ProcessBuilder(
                                java,
                                "-Xmx192m",
                                "-XX:+UseSerialGC",
                                "-XX:TieredStopAtLevel=1",
                                "-cp",
                                System.getProperty("java.class.path"),
                                RateLimitWeirMain.class.getName(),
                                yaml.toString(),
                                "2",
                                "ten",
                                "acc")
                        .redirectErrorStream(true)
                        .start();
        List<String> output = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<WeirProcess> ready = new CompletableFuture<>();
        Thread reader =
                new Thread(
                        () -> {
                            try (BufferedReader r =
                                    new BufferedReader(
                                            new InputStreamReader(
                                                    p.getInputStream(), StandardCharsets.UTF_8))) {
                                String line;
                                while ((line = r.readLine()) != null) {
                                    output.add(line);
                                    if (line.startsWith("WEIR-READY ")) {
                                        Map<String, Integer> ports = new HashMap<>();
                                        for (String kv : line.substring(11).split(" ")) {
                                            String[] parts = kv.split("=");
                                            ports.put(parts[0], Integer.parseInt(parts[1]));
                                        }
                                        ready.complete(new WeirProcess(p, output, ports));
                                    }
                                }
                            } catch (IOException e) {
                                // the process is gone
                            }
                            ready.completeExceptionally(
                                    new IllegalStateException(
                                            name
                                                    + " exited before it was ready:\n"
                                                    + String.join("\n", output)));
                        },
                        name + "-output");
        reader.setDaemon(true);
        reader.start();
        return ready;
    }

    @AfterAll
    static void stop() throws Exception {
        for (WeirProcess w : weirs) {
            w.process().destroy();
        }
        for (WeirProcess w : weirs) {
            if (!w.process().waitFor(10, TimeUnit.SECONDS)) {
                w.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (upstream != null) {
            upstream.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void twoProcessesWithALimitOf10PerMinuteAllowExactly10Of20AlternatingRequests()
            throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            WeirProcess w = weirs.get(i % 2);
            try (RawClient c = new RawClient(w.port("ten"))) {
                c.send("GET /ten HTTP/1.1\r\nHost: x\r\n\r\n");
                statuses.add(c.read().status());
            }
        }
        assertThat(statuses.subList(0, 10)).containsOnly(200);
        assertThat(statuses.subList(10, 20)).containsOnly(429);
        // each process allowed its own five: the count is shared, not per process
        for (WeirProcess w : weirs) {
            assertThat(w.stat("weir_ratelimit_allowed_total")).isGreaterThanOrEqualTo(5);
        }
        assertThat(redis.call("ZCARD", "weir:rl:weir.ratelimit:127.0.0.1"))
                .isEqualTo(new Reply.Int(10));
    }

    @Test
    void withSixtyFourConnectionsOverTwoProcessesTheAllowedCountIsWithinOnePercent()
            throws Exception {
        int limit = 300;
        int connections = 64;
        int perConnection = 10; // 640 requests: about twice the limit
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger limited = new AtomicInteger();
        AtomicInteger other = new AtomicInteger();
        double failureAllowedBefore = 0;
        for (WeirProcess w : weirs) {
            failureAllowedBefore += w.stat("weir_ratelimit_failure_mode_allowed_total");
        }
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(connections);
        for (int i = 0; i < connections; i++) {
            WeirProcess w = weirs.get(i % 2);
            Thread t =
                    new Thread(
                            () -> {
                                try {
                                    go.await();
                                    RawClient c = new RawClient(w.port("acc"));
                                    for (int n = 0; n < perConnection; n++) {
                                        RawClient.Response r;
                                        try {
                                            c.send(
                                                    "GET /acc HTTP/1.1\r\nHost: x\r\nx-test:"
                                                            + " acc\r\n\r\n");
                                            r = c.read();
                                        } catch (IOException e) {
                                            other.incrementAndGet();
                                            c.close();
                                            c = new RawClient(w.port("acc"));
                                            continue;
                                        }
                                        switch (r.status()) {
                                            case 200 -> ok.incrementAndGet();
                                            case 429 -> limited.incrementAndGet();
                                            default -> other.incrementAndGet();
                                        }
                                    }
                                    c.close();
                                } catch (Exception e) {
                                    other.incrementAndGet();
                                } finally {
                                    done.countDown();
                                }
                            },
                            "client-" + i);
            t.setDaemon(true);
            t.start();
        }
        long t0 = System.nanoTime();
        go.countDown();
        assertThat(done.await(120, TimeUnit.SECONDS)).isTrue();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        double failureAllowed = -failureAllowedBefore;
        for (WeirProcess w : weirs) {
            failureAllowed += w.stat("weir_ratelimit_failure_mode_allowed_total");
        }
        System.out.printf(
                "ACCURACY limit=%d requests=%d connections=%d allowed=%d limited=%d other=%d"
                        + " failure_mode_allowed=%.0f in %d ms%n",
                limit,
                connections * perConnection,
                connections,
                ok.get(),
                limited.get(),
                other.get(),
                failureAllowed,
                ms);
        assertThat(other).hasValue(0);
        assertThat(ok.get() + limited.get()).isEqualTo(connections * perConnection);
        assertThat(Math.abs(ok.get() - limit)).isLessThanOrEqualTo(limit / 100);
        assertThat(redis.call("ZCARD", "weir:rl:weir.ratelimit:127.0.0.1|acc"))
                .isEqualTo(new Reply.Int(limit));
    }
}
