package io.weir.kernel.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import io.weir.spi.Body;
import io.weir.spi.ConfigNode;
import io.weir.spi.FilterStatus;
import io.weir.spi.Headers;
import io.weir.spi.HttpCallRequest;
import io.weir.spi.HttpFilter;
import io.weir.spi.HttpFilterFactory;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.LocalReply;
import io.weir.spi.RootContext;
import io.weir.spi.StreamContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The filter chain end to end: real Weir, real upstream, in-test filters. */
class FilterChainIntegrationTest {
    /** Events seen by the test filters, in order, from all threads. */
    static final List<String> EVENTS = Collections.synchronizedList(new ArrayList<>());

    /** A factory whose config is a map of strings and whose filters come from {@code make}. */
    static HttpFilterFactory factory(String name, Function<StreamContext, HttpFilter> make) {
        return new HttpFilterFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Object parseConfig(ConfigNode config) {
                config.expectMap("tag", "header", "value", "max");
                return config.asStringMap();
            }

            @Override
            public HttpFilterRoot createRoot(RootContext context) {
                return new HttpFilterRoot() {
                    @Override
                    public void onConfigure(Object config) {
                        EVENTS.add(name + ":configure");
                    }

                    @Override
                    public void onDone() {
                        EVENTS.add(name + ":done");
                    }

                    @Override
                    public HttpFilter newFilter(StreamContext ctx) {
                        return make.apply(ctx);
                    }
                };
            }
        };
    }

    @SuppressWarnings("unchecked")
    static String cfg(StreamContext ctx, String key) {
        return ((Map<String, String>) ctx.config()).get(key);
    }

    /** Records every callback under its tag and adds x-tag headers both ways. */
    static HttpFilter recorder(StreamContext ctx) {
        String tag = cfg(ctx, "tag");
        return new HttpFilter() {
            @Override
            public FilterStatus onRequestHeaders(Headers h, boolean eos) {
                EVENTS.add(tag + ":reqHeaders:" + eos);
                h.add("x-tag", tag);
                return FilterStatus.CONTINUE;
            }

            @Override
            public FilterStatus onRequestBody(Body b, boolean eos) {
                EVENTS.add(tag + ":reqBody:" + b.length() + ":" + eos);
                return FilterStatus.CONTINUE;
            }

            @Override
            public FilterStatus onResponseHeaders(Headers h, boolean eos) {
                EVENTS.add(tag + ":respHeaders:" + h.get(":status"));
                h.add("x-resp-tag", tag);
                return FilterStatus.CONTINUE;
            }

            @Override
            public FilterStatus onResponseBody(Body b, boolean eos) {
                EVENTS.add(tag + ":respBody:" + eos);
                return FilterStatus.CONTINUE;
            }

            @Override
            public void onLog() {
                EVENTS.add(tag + ":log:" + ctx.property("response.code"));
            }

            @Override
            public void onDestroy() {
                EVENTS.add(tag + ":destroy");
            }
        };
    }

    static final FilterRegistry REGISTRY =
            FilterRegistry.of(
                    Map.of(
                            "test.rec", factory("test.rec", FilterChainIntegrationTest::recorder),
                            "test.rec2", factory("test.rec2", FilterChainIntegrationTest::recorder),
                            "test.timer", factory("test.timer", FilterChainIntegrationTest::timer),
                            "test.callout",
                                    factory("test.callout", FilterChainIntegrationTest::callout),
                            "test.upper", factory("test.upper", FilterChainIntegrationTest::upper),
                            "test.boom", factory("test.boom", ctx -> new Boom()),
                            "test.deny", factory("test.deny", FilterChainIntegrationTest::deny),
                            "test.late", factory("test.late", FilterChainIntegrationTest::late),
                            "test.deny_rec",
                                    factory("test.deny_rec", FilterChainIntegrationTest::denyRec),
                            "test.slow", factory("test.slow", FilterChainIntegrationTest::slow)));

    static final long SLOW_MS = 30;

    static void pause() {
        try {
            Thread.sleep(SLOW_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** An upstream handler that answers 200 after 60 ms (the time no filter may be charged). */
    static void slowUpstream(com.sun.net.httpserver.HttpExchange ex) throws java.io.IOException {
        try {
            Thread.sleep(60);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ex.sendResponseHeaders(200, -1);
        ex.close();
    }

    /** Sends the response head at once and its five-byte body {@link #LATE_MS} later. */
    static void lateBody(com.sun.net.httpserver.HttpExchange ex) throws java.io.IOException {
        ex.sendResponseHeaders(200, 5);
        java.io.OutputStream out = ex.getResponseBody();
        out.flush();
        try {
            Thread.sleep(LATE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.write("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        ex.close();
    }

    static final long LATE_MS = 80;

    /** Takes {@link #SLOW_MS} in newFilter and in each callback it has (five on a plain GET). */
    static HttpFilter slow(StreamContext ctx) {
        pause();
        return new HttpFilter() {
            @Override
            public FilterStatus onRequestHeaders(Headers h, boolean eos) {
                pause();
                return FilterStatus.CONTINUE;
            }

            @Override
            public FilterStatus onResponseHeaders(Headers h, boolean eos) {
                pause();
                return FilterStatus.CONTINUE;
            }

            @Override
            public void onLog() {
                pause();
            }

            @Override
            public void onDestroy() {
                pause();
                EVENTS.add("slow:destroy");
            }
        };
    }

    /** Pauses the request and continues it from a 20 ms timer. */
    static HttpFilter timer(StreamContext ctx) {
        return new HttpFilter() {
            @Override
            public FilterStatus onRequestHeaders(Headers h, boolean eos) {
                ctx.schedule(
                        Duration.ofMillis(20),
                        () -> {
                            ctx.requestHeaders().set("x-timer", "fired");
                            ctx.continueRequest();
                        });
                return FilterStatus.STOP;
            }
        };
    }

    /** Pauses, asks the cluster "auth" at /check, and resumes or rejects with its status. */
    static HttpFilter callout(StreamContext ctx) {
        return new HttpFilter() {
            @Override
            public FilterStatus onRequestHeaders(Headers h, boolean eos) {
                String user = h.get("x-user");
                ctx.httpCall(
                        "auth",
                        HttpCallRequest.get("/check/" + user),
                        Duration.ofMillis(500),
                        r -> {
                            if (r.ok() && r.status() == 200) {
                                ctx.requestHeaders().set("x-checked", r.header("x-upstream"));
                                ctx.continueRequest();
                            } else {
                                ctx.sendLocalReply(
                                        LocalReply.status(403)
                                                .body(
                                                        "denied: "
                                                                + (r.ok()
                                                                        ? r.status()
                                                                        : r.failure()))
                                                .details("test_denied")
                                                .responseFlag("UAEX")
                                                .build());
                            }
                        });
                return FilterStatus.STOP;
            }
        };
    }

    /** Buffers the whole request body (limit from config) and upper-cases it. */
    static HttpFilter upper(StreamContext ctx) {
        int max = Integer.parseInt(cfg(ctx, "max"));
        return new HttpFilter() {
            @Override
            public FilterStatus onRequestHeaders(Headers h, boolean eos) {
                ctx.bufferRequestBody(max);
                return FilterStatus.CONTINUE;
            }

            @Override
            public FilterStatus onRequestBody(Body b, boolean eos) {
                EVENTS.add("upper:body:" + b.length() + ":" + eos);
                b.replace(
                        (b.toString(StandardCharsets.UTF_8).toUpperCase() + "!")
                                .getBytes(StandardCharsets.UTF_8));
                return FilterStatus.CONTINUE;
            }
        };
    }

    static final class Boom implements HttpFilter {
        @Override
        public FilterStatus onRequestHeaders(Headers h, boolean eos) {
            throw new IllegalStateException("boom");
        }
    }

    static HttpFilter deny(StreamContext ctx) {
        return new HttpFilter() {
            @Override
            public FilterStatus onRequestHeaders(Headers h, boolean eos) {
                ctx.sendLocalReply(
                        LocalReply.status(429)
                                .body("slow down")
                                .header("retry-after", "1")
                                .responseFlag("RL")
                                .build());
                return FilterStatus.STOP;
            }
        };
    }

    /** Answers 403 from inside its request callback, recording when the callback returns. */
    static HttpFilter denyRec(StreamContext ctx) {
        return new HttpFilter() {
            @Override
            public FilterStatus onRequestHeaders(Headers h, boolean eos) {
                EVENTS.add("d:reqHeaders:enter");
                ctx.sendLocalReply(LocalReply.status(403).body("no").build());
                EVENTS.add("d:reqHeaders:return");
                return FilterStatus.STOP;
            }

            @Override
            public void onLog() {
                EVENTS.add("d:log");
            }

            @Override
            public void onDestroy() {
                EVENTS.add("d:destroy");
            }
        };
    }

    /** Keeps its context and uses it after onDestroy, from a timer on another stream. */
    static final List<StreamContext> KEPT = Collections.synchronizedList(new ArrayList<>());

    static HttpFilter late(StreamContext ctx) {
        KEPT.add(ctx);
        return new HttpFilter() {};
    }

    static String yaml(String upstream, String auth, String filters, String routes) {
        return """
                admin: { address: 127.0.0.1:0 }
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                      filters:
                %s
                      virtual_hosts:
                        - name: default
                          domains: ["*"]
                          routes:
                %s
                            - match: { prefix: "/" }
                              route: { cluster: backend, timeout: 5s }
                clusters:
                  - name: backend
                    endpoints: [{ address: %s }]
                  - name: auth
                    connect_timeout: 250ms
                    endpoints: [{ address: %s }]
                """
                .formatted(filters, routes, upstream, auth);
    }

    static RawClient.Response get(Weir w, String path, String extraHeaders) throws Exception {
        try (RawClient c = new RawClient(w.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n" + extraHeaders + "\r\n");
            return c.read();
        }
    }

    @Test
    void runsRequestCallbacksInOrderAndResponseCallbacksInReverseThenLogAndDestroy()
            throws Exception {
        EVENTS.clear();
        String filters =
                """
                        - name: test.rec
                          config: { tag: a }
                        - name: test.rec2
                          config: { tag: b }
                """;
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), up.address(), filters, ""), 1, REGISTRY)) {
            RawClient.Response r = get(w, "/x", "");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).contains("h:x-tag=a").contains("h:x-tag=b");
            assertThat(r.headers().get("x-resp-tag")).isNotNull();
            awaitEvent("a:destroy");
            assertThat(EVENTS)
                    .containsSubsequence(
                            "test.rec:configure",
                            "test.rec2:configure",
                            "a:reqHeaders:true",
                            "b:reqHeaders:true",
                            "b:respHeaders:200",
                            "a:respHeaders:200",
                            "b:respBody:true",
                            "a:respBody:true",
                            "a:log:200",
                            "b:log:200",
                            "a:destroy",
                            "b:destroy");
            assertThat(w.stat("weir_filter_invocations_total{filter=\"test.rec\"}"))
                    .isGreaterThanOrEqualTo(5);
            assertThat(w.stat("weir_filter_duration_seconds_count{filter=\"test.rec\"}"))
                    .isEqualTo(1);
        }
        assertThat(EVENTS).contains("test.rec:done", "test.rec2:done");
    }

    /**
     * Adjacent callbacks share one clock reading (the end of one is the start of the next), so a
     * slow filter between two fast ones must keep its own time: every place where a reading is
     * carried (newFilter to newFilter, the last newFilter to the first request headers, filter to
     * filter in a pass both ways, onLog to onLog to onDestroy to onDestroy) has the slow filter on
     * one side and a fast one on the other. A reading carried across the wrong call would move at
     * least one 30 ms pause into a fast filter's histogram. A second request waits 60 ms for its
     * upstream: a reading carried past the router (from the request pass to the response pass)
     * would put that wait into the fast filter that sees the response first.
     */
    @Test
    void aSlowFilterKeepsItsTimeWhenItsNeighboursShareItsClockReadings() throws Exception {
        EVENTS.clear();
        String filters =
                """
                        - name: test.rec
                          config: { tag: a }
                        - name: test.slow
                          config: { tag: s }
                        - name: test.rec2
                          config: { tag: c }
                """;
        try (TestUpstream up =
                        new TestUpstream("up")
                                .on("/wait", FilterChainIntegrationTest::slowUpstream);
                Weir w = Weir.start(yaml(up.address(), up.address(), filters, ""), 1, REGISTRY)) {
            assertThat(get(w, "/x", "").status()).isEqualTo(200);
            assertThat(get(w, "/wait", "").status()).isEqualTo(200);
            w.awaitStat("weir_filter_duration_seconds_count{filter=\"test.rec2\"}", 2);
            assertThat(EVENTS).contains("a:log:200", "c:destroy", "slow:destroy");
            double slowMin = 2 * 5 * SLOW_MS / 1000.0; // newFilter, two headers, onLog, onDestroy
            assertThat(w.stat("weir_filter_duration_seconds_sum{filter=\"test.slow\"}"))
                    .isGreaterThanOrEqualTo(slowMin);
            // the fast ones record microseconds; one misplaced pause would be 0.030 s
            assertThat(w.stat("weir_filter_duration_seconds_sum{filter=\"test.rec\"}"))
                    .isLessThan(0.015);
            assertThat(w.stat("weir_filter_duration_seconds_sum{filter=\"test.rec2\"}"))
                    .isLessThan(0.015);
        }
    }

    /**
     * The router may end its upstream time at the reading that ended the filters' response headers
     * pass, but only while the read that brought the head is being handled: a body that comes in a
     * later read must still count. With the reading kept past that read, the upstream time here
     * would be about 0 ms instead of the body's 80.
     */
    @Test
    void aResponseBodyThatComesInALaterReadStillCountsInTheUpstreamTime() throws Exception {
        EVENTS.clear();
        String fastAlone = "        - name: test.rec\n          config: { tag: a }\n";
        try (TestUpstream up =
                        new TestUpstream("up").on("/late", FilterChainIntegrationTest::lateBody);
                Weir w = Weir.start(yaml(up.address(), up.address(), fastAlone, ""), 1, REGISTRY)) {
            RawClient.Response r = get(w, "/late", "");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("hello");
            assertThat(EVENTS).contains("a:respHeaders:200");
            w.awaitStat("weir_cluster_upstream_rq_time_count{cluster=\"backend\"}", 1);
            assertThat(w.stat("weir_cluster_upstream_rq_time_sum{cluster=\"backend\"}"))
                    .as("ms from the request to the body's end")
                    .isGreaterThanOrEqualTo(LATE_MS - 10);
            // a response in one read ends at the filters' last reading: microseconds after its head
            assertThat(get(w, "/x", "").status()).isEqualTo(200);
            w.awaitStat("weir_cluster_upstream_rq_time_count{cluster=\"backend\"}", 2);
        }
    }

    /**
     * A chain of one filter times newFilter and the request headers call with one interval (no
     * reading between them), and its onLog and onDestroy from the stream's finish reading: the slow
     * filter alone must still have all five pauses in its time and its five calls counted, and a
     * fast filter alone must not get the 60 ms its upstream waits.
     */
    @Test
    void aFilterAloneInItsChainKeepsItsOwnTimeAndNoMore() throws Exception {
        EVENTS.clear();
        String slowAlone = "        - name: test.slow\n          config: { tag: s }\n";
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), up.address(), slowAlone, ""), 1, REGISTRY)) {
            assertThat(get(w, "/x", "").status()).isEqualTo(200);
            w.awaitStat("weir_filter_duration_seconds_count{filter=\"test.slow\"}", 1);
            assertThat(w.stat("weir_filter_duration_seconds_sum{filter=\"test.slow\"}"))
                    .as("newFilter, two headers calls, onLog, onDestroy")
                    .isGreaterThanOrEqualTo(5 * SLOW_MS / 1000.0);
            assertThat(w.stat("weir_filter_invocations_total{filter=\"test.slow\"}")).isEqualTo(5);
        }
        String fastAlone = "        - name: test.rec\n          config: { tag: a }\n";
        try (TestUpstream up =
                        new TestUpstream("up")
                                .on("/wait", FilterChainIntegrationTest::slowUpstream);
                Weir w = Weir.start(yaml(up.address(), up.address(), fastAlone, ""), 1, REGISTRY)) {
            assertThat(get(w, "/wait", "").status()).isEqualTo(200);
            assertThat(get(w, "/x", "").status()).isEqualTo(200);
            w.awaitStat("weir_filter_duration_seconds_count{filter=\"test.rec\"}", 2);
            assertThat(w.stat("weir_filter_duration_seconds_sum{filter=\"test.rec\"}"))
                    .as("microseconds: a reading carried past the router would add 0.060 s")
                    .isLessThan(0.015);
        }
    }

    @Test
    void aFilteredResponseGivesTheUpstreamConnectionBackToItsPool() throws Exception {
        String filters = "        - name: test.rec\n          config: { tag: a }\n";
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), up.address(), filters, ""), 1, REGISTRY);
                RawClient c = new RawClient(w.port())) {
            for (int i = 0; i < 5; i++) {
                c.send("GET /r HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(c.read().status()).isEqualTo(200);
            }
            assertThat(up.connections()).isEqualTo(1);
        }
    }

    /**
     * Once a header-only filter has let a direction's headers go, the rest of that direction skips
     * the chain. The first request chunk arrives while the filter holds the headers and waits at
     * it; the later chunks and the trailers arrive after it let go. Both directions must keep every
     * byte, their order and the trailers.
     */
    @Test
    void chunksAndTrailersAfterAHeaderOnlyFilterLetTheHeadersGoArriveWholeAndInOrder()
            throws Exception {
        byte[] body = new byte[150_000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) ('a' + (i * 7 + i / 251) % 26);
        }
        byte[] answer = new byte[120_000];
        for (int i = 0; i < answer.length; i++) {
            answer[i] = (byte) ('A' + (i * 11 + i / 97) % 26);
        }
        java.util.concurrent.CompletableFuture<String> head =
                new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<io.weir.kernel.testing.RawUpstream.Chunked> got =
                new java.util.concurrent.CompletableFuture<>();
        String filters = "        - name: test.timer\n";
        try (io.weir.kernel.testing.RawUpstream up =
                        new io.weir.kernel.testing.RawUpstream(
                                sock -> {
                                    java.io.InputStream in = sock.getInputStream();
                                    head.complete(io.weir.kernel.testing.RawUpstream.readHead(in));
                                    got.complete(
                                            io.weir.kernel.testing.RawUpstream.readChunked(in));
                                    java.io.OutputStream out = sock.getOutputStream();
                                    out.write(
                                            ("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
                                                    .getBytes(StandardCharsets.US_ASCII));
                                    int[] cuts = {0, 1, 40_000, 100_000, answer.length};
                                    for (int i = 0; i + 1 < cuts.length; i++) {
                                        int len = cuts[i + 1] - cuts[i];
                                        out.write(
                                                (Integer.toHexString(len) + "\r\n")
                                                        .getBytes(StandardCharsets.US_ASCII));
                                        out.write(answer, cuts[i], len);
                                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                                        out.flush();
                                    }
                                    out.write(
                                            "0\r\nx-sum: 42\r\n\r\n"
                                                    .getBytes(StandardCharsets.US_ASCII));
                                    out.flush();
                                    in.read(); // keep the connection until Weir is done with it
                                });
                Weir w = Weir.start(yaml(up.address(), up.address(), filters, ""), 1, REGISTRY);
                RawClient c = new RawClient(w.port())) {
            c.send(
                    "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                            + "TE: trailers\r\n\r\n"
                            + chunk(body, 0, 1000));
            // the head reaches the upstream only once the filter's 20 ms timer let it go: what
            // is sent from here on arrives after that
            assertThat(head.get(5, TimeUnit.SECONDS).toLowerCase()).contains("x-timer: fired");
            c.send(chunk(body, 1000, 60_000));
            c.send(chunk(body, 60_000, body.length) + "0\r\nx-check: abc\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body().getBytes(StandardCharsets.ISO_8859_1)).isEqualTo(answer);
            assertThat(r.headers().get("trailer:x-sum")).isEqualTo("42");
            io.weir.kernel.testing.RawUpstream.Chunked req = got.get(5, TimeUnit.SECONDS);
            assertThat(req.body()).isEqualTo(body);
            assertThat(req.trailers()).isEqualTo("x-check: abc\r\n");
        }
    }

    private static String chunk(byte[] b, int from, int to) {
        return Integer.toHexString(to - from)
                + "\r\n"
                + new String(b, from, to - from, StandardCharsets.ISO_8859_1)
                + "\r\n";
    }

    @Test
    void pausesOnATimerAndResumes() throws Exception {
        String filters = "        - name: test.timer\n";
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), up.address(), filters, ""), 1, REGISTRY)) {
            RawClient.Response r = get(w, "/t", "");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).contains("h:x-timer=fired");
        }
    }

    @Test
    void pausesForACallOutAndResumesOrRejects() throws Exception {
        String filters = "        - name: test.callout\n";
        try (TestUpstream up = new TestUpstream("up");
                TestUpstream auth = new TestUpstream("auth")) {
            auth.on(
                    "/check/bob",
                    ex -> {
                        ex.sendResponseHeaders(403, -1);
                        ex.close();
                    });
            try (Weir w =
                    Weir.start(yaml(up.address(), auth.address(), filters, ""), 2, REGISTRY)) {
                RawClient.Response ok = get(w, "/a", "x-user: alice\r\n");
                assertThat(ok.status()).isEqualTo(200);
                assertThat(ok.body()).contains("name=up").contains("h:x-checked=auth");
                RawClient.Response no = get(w, "/a", "x-user: bob\r\n");
                assertThat(no.status()).isEqualTo(403);
                assertThat(no.body()).contains("denied: 403");
            }
        }
    }

    @Test
    void aCallOutToADeadClusterFailsWithoutHanging() throws Exception {
        String filters = "        - name: test.callout\n";
        int dead;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        try (TestUpstream up = new TestUpstream("up");
                Weir w =
                        Weir.start(
                                yaml(up.address(), "127.0.0.1:" + dead, filters, ""),
                                1,
                                REGISTRY)) {
            RawClient.Response r = get(w, "/a", "x-user: alice\r\n");
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.body()).contains("denied: connection_failure");
        }
    }

    @Test
    void buffersTheWholeBodyReplacesItAndFixesContentLength() throws Exception {
        String filters = "        - name: test.upper\n          config: { max: \"64\" }\n";
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), up.address(), filters, ""), 1, REGISTRY);
                RawClient c = new RawClient(w.port())) {
            c.send(
                    "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            // "ABCDEFG!" is 8 bytes, sent with a content-length
            assertThat(r.body()).contains("body-bytes=8").contains("h:content-length=8");
            c.send("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + "x".repeat(100));
            RawClient.Response big = c.read();
            assertThat(big.status()).isEqualTo(413);
        }
    }

    @Test
    void perRouteOverridesDisableOrReconfigureAFilter() throws Exception {
        String filters =
                """
                        - name: test.rec
                          config: { tag: base }
                        - name: test.deny
                          disabled: true
                """;
        String routes =
                """
                            - match: { prefix: "/off" }
                              route: { cluster: backend }
                              per_filter_config: { test.rec: { disabled: true } }
                            - match: { prefix: "/other" }
                              route: { cluster: backend }
                              per_filter_config: { test.rec: { config: { tag: other } } }
                            - match: { prefix: "/deny" }
                              route: { cluster: backend }
                              per_filter_config: { test.deny: { disabled: false } }
                """;
        try (TestUpstream up = new TestUpstream("up");
                Weir w =
                        Weir.start(
                                yaml(up.address(), up.address(), filters, routes), 1, REGISTRY)) {
            assertThat(get(w, "/", "").body()).contains("h:x-tag=base");
            assertThat(get(w, "/off", "").body()).doesNotContain("h:x-tag");
            assertThat(get(w, "/other", "").body()).contains("h:x-tag=other");
            RawClient.Response denied = get(w, "/deny", "");
            assertThat(denied.status()).isEqualTo(429);
            assertThat(denied.headers().get("retry-after")).isEqualTo("1");
            // the local reply passed the earlier filter's response callback
            assertThat(denied.headers().get("x-resp-tag")).isEqualTo("base");
        }
    }

    @Test
    void aStreamEndedInsideACallbackIsLoggedAndDestroyedOnlyAfterThatCallbackReturns()
            throws Exception {
        EVENTS.clear();
        String filters =
                """
                        - name: test.rec
                          config: { tag: a }
                        - name: test.deny_rec
                """;
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), up.address(), filters, ""), 1, REGISTRY)) {
            RawClient.Response r = get(w, "/x", "");
            assertThat(r.status()).isEqualTo(403);
            awaitEvent("d:destroy");
            assertThat(EVENTS)
                    .containsSubsequence(
                            "a:reqHeaders:true",
                            "d:reqHeaders:enter",
                            "a:respHeaders:403",
                            "d:reqHeaders:return",
                            "a:log:403",
                            "d:log",
                            "a:destroy",
                            "d:destroy");
            assertThat(up.requests()).isZero();
        }
    }

    @Test
    void failClosedAnswers500AndFailOpenSkipsTheFilter() throws Exception {
        String closed = "        - name: test.boom\n";
        String open = "        - name: test.boom\n          fail_policy: fail_open\n";
        try (TestUpstream up = new TestUpstream("up")) {
            try (Weir w = Weir.start(yaml(up.address(), up.address(), closed, ""), 1, REGISTRY)) {
                RawClient.Response r = get(w, "/", "");
                assertThat(r.status()).isEqualTo(500);
                assertThat(w.stat("weir_filter_errors_total{filter=\"test.boom\"}")).isEqualTo(1);
                // the worker carries on
                assertThat(get(w, "/", "").status()).isEqualTo(500);
            }
            try (Weir w = Weir.start(yaml(up.address(), up.address(), open, ""), 1, REGISTRY)) {
                RawClient.Response r = get(w, "/", "");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).contains("name=up");
            }
        }
    }

    @Test
    void callsAfterDestroyAreIgnoredAndCounted() throws Exception {
        KEPT.clear();
        String filters = "        - name: test.late\n";
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), up.address(), filters, ""), 1, REGISTRY)) {
            assertThat(get(w, "/", "").status()).isEqualTo(200);
            // after the stream was destroyed (its duration is recorded then), on its worker
            assertThat(w.awaitStat("weir_filter_duration_seconds_count{filter=\"test.late\"}", 1))
                    .isEqualTo(1);
            CountDownLatch done = new CountDownLatch(1);
            StreamContext ctx = KEPT.get(0);
            Map<String, Object> seen = new HashMap<>();
            ((StreamFilter) ctx)
                    .worker
                    .dispatcher()
                    .post(
                            () -> {
                                ctx.continueRequest();
                                seen.put("headers", ctx.requestHeaders());
                                done.countDown();
                            });
            assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(seen.get("headers")).isNull();
            assertThat(
                            w.awaitStat(
                                    "weir_filter_calls_after_destroy_total{filter=\"test.late\"}",
                                    2))
                    .isEqualTo(2);
        }
    }

    private static void awaitEvent(String e) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!EVENTS.contains(e) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(EVENTS).contains(e);
    }
}
