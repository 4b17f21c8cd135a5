package io.weir.filters.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.RawUpstream;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ABI groups the other tests leave out, through a real Weir with the test module {@code
 * abi_groups.c}: whole header maps read and written as serialized pairs, replace and remove, time
 * and log level, properties set and read back, close stream, request trailers and {@code
 * proxy_on_log}.
 */
class WasmAbiGroupsIntegrationTest {
    @TempDir static Path dir;
    static TestUpstream up;
    static Weir weir;

    @BeforeAll
    static void start() throws Exception {
        Path m = WasmModules.compileC("abi_groups.c", dir);
        up = new TestUpstream("up");
        weir =
                Weir.start(
                        WasmCModulesIntegrationTest.yaml(up.address(), up.address(), m, ""),
                        1,
                        WasmCModulesIntegrationTest.REGISTRY);
    }

    @AfterAll
    static void stop() throws Exception {
        if (weir != null) {
            weir.close();
        }
        if (up != null) {
            up.close();
        }
    }

    static RawClient.Response send(String request) throws Exception {
        try (RawClient c = new RawClient(weir.port())) {
            c.send(request);
            return c.read();
        }
    }

    static RawClient.Response get(String path, String headers) throws Exception {
        return send("GET " + path + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n");
    }

    @Test
    void theWholeHeaderMapIsReadAndWrittenAsSerializedPairs() throws Exception {
        RawClient.Response r = get("/pairs", "x-one: 1\r\nx-two: 2\r\n");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        // :method :path :authority :scheme x-one x-two x-request-id x-logs (added before the
        // read); as in Envoy, the host header is :authority, so host is not a pair of its own
        assertThat(r.body())
                .contains("h:x-pairs-count=8\n", "h:x-one=1\n", "h:x-two=2\n", "h:host=x\n")
                .contains("method=GET\n", "uri=/pairs\n");
        assertThat(r.body().split("h:host=", -1)).as("one host header upstream").hasSize(2);
    }

    @Test
    void replaceSetsOneValueAndRemoveDropsTheField() throws Exception {
        RawClient.Response r = get("/replace", "x-a: old1\r\nx-a: old2\r\nx-b: gone\r\n");
        assertThat(r.body()).contains("h:x-a=new\n").doesNotContain("old", "h:x-b=");
    }

    @Test
    void theClockIsTheWallClockAndTheLogLevelIsOneOfTheSpecs() throws Exception {
        long before = System.currentTimeMillis();
        RawClient.Response r = get("/clock", "");
        long after = System.currentTimeMillis();
        long t = Long.parseLong(between(r.body(), "h:x-time-ms=", "\n"));
        assertThat(t).isBetween(before - 1000, after + 1000);
        assertThat(Integer.parseInt(between(r.body(), "h:x-log-level=", "\n"))).isBetween(0, 5);
    }

    @Test
    void aPropertySetIsReadBack() throws Exception {
        assertThat(get("/property", "").body()).contains("h:x-property=v1\n");
    }

    @Test
    void closeStreamResetsTheRequestWithoutReachingTheUpstream() throws Exception {
        int before = up.requests();
        try (RawClient c = new RawClient(weir.port())) {
            c.send("GET /close HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(up.requests()).isEqualTo(before);
        // the worker goes on serving
        assertThat(get("/other", "").status()).isEqualTo(200);
    }

    @Test
    void requestTrailersReachTheModuleAndGoOnUpstream() throws Exception {
        // a raw upstream: the JDK's HTTP server does not accept request trailers
        java.util.concurrent.CompletableFuture<RawUpstream.Chunked> received =
                new java.util.concurrent.CompletableFuture<>();
        Path m = WasmModules.compileC("abi_groups.c", dir);
        try (RawUpstream raw =
                        new RawUpstream(
                                sock -> {
                                    java.io.InputStream in = sock.getInputStream();
                                    RawUpstream.readHead(in);
                                    received.complete(RawUpstream.readChunked(in));
                                    sock.getOutputStream()
                                            .write(
                                                    "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
                                                            .getBytes(
                                                                    java.nio.charset
                                                                            .StandardCharsets
                                                                            .US_ASCII));
                                    sock.getOutputStream().flush();
                                    in.read(); // keep the connection until Weir is done with it
                                });
                Weir w =
                        Weir.start(
                                WasmCModulesIntegrationTest.yaml(
                                        raw.address(), raw.address(), m, ""),
                                1,
                                WasmCModulesIntegrationTest.REGISTRY);
                RawClient c = new RawClient(w.port())) {
            c.send(
                    "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "5\r\nhello\r\n0\r\nx-trailer: t1\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.header("x-saw-trailer")).isEqualTo("t1");
            RawUpstream.Chunked got = received.get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(new String(got.body(), java.nio.charset.StandardCharsets.US_ASCII))
                    .isEqualTo("hello");
            assertThat(got.trailers()).isEqualTo("x-trailer: t1\r\n");
        }
    }

    @Test
    void onLogRunsOncePerFinishedRequest() throws Exception {
        long first = Long.parseLong(between(get("/a", "").body(), "h:x-logs=", "\n"));
        long second = Long.parseLong(between(get("/b", "").body(), "h:x-logs=", "\n"));
        assertThat(second).isEqualTo(first + 1);
    }

    private static String between(String s, String start, String end) {
        int a = s.indexOf(start);
        assertThat(a).as("%s in %s", start, s).isNotNegative();
        a += start.length();
        return s.substring(a, s.indexOf(end, a));
    }
}
