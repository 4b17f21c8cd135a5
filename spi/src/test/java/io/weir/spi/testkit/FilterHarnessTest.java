package io.weir.spi.testkit;

import static io.weir.spi.FilterStatus.CONTINUE;
import static io.weir.spi.FilterStatus.STOP;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.spi.Body;
import io.weir.spi.Cancellable;
import io.weir.spi.ConfigNode;
import io.weir.spi.FilterConfigException;
import io.weir.spi.FilterStatus;
import io.weir.spi.Headers;
import io.weir.spi.HttpCallRequest;
import io.weir.spi.HttpCallResponse;
import io.weir.spi.HttpFilter;
import io.weir.spi.HttpFilterFactory;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.LocalReply;
import io.weir.spi.Metrics;
import io.weir.spi.RootContext;
import io.weir.spi.SharedData;
import io.weir.spi.SharedQueue;
import io.weir.spi.StreamContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class FilterHarnessTest {
    /** A filter whose callbacks the test sets; it records every call in {@link #events}. */
    static final class Script implements HttpFilterFactory {
        final List<String> events = new ArrayList<>();
        BiFunction<StreamContext, Headers, FilterStatus> requestHeaders = (c, h) -> CONTINUE;
        BiFunction<StreamContext, Body, FilterStatus> requestBody = (c, b) -> CONTINUE;
        BiFunction<StreamContext, Headers, FilterStatus> requestTrailers = (c, h) -> CONTINUE;
        BiFunction<StreamContext, Headers, FilterStatus> responseHeaders = (c, h) -> CONTINUE;
        BiFunction<StreamContext, Body, FilterStatus> responseBody = (c, b) -> CONTINUE;
        Runnable tick = () -> {};
        RootContext rootContext;
        StreamContext stream;

        @Override
        public String name() {
            return "test.script";
        }

        @Override
        public Object parseConfig(ConfigNode config) {
            config.expectMap("n");
            return config.get("n").asLong(0, 0, 10);
        }

        @Override
        public HttpFilterRoot createRoot(RootContext context) {
            rootContext = context;
            return new HttpFilterRoot() {
                @Override
                public void onConfigure(Object config) throws FilterConfigException {
                    events.add("configure " + config);
                    if (config.equals(9L)) {
                        throw new FilterConfigException("n: 9 is unlucky");
                    }
                }

                @Override
                public void onTick() {
                    events.add("tick at " + context.nanoTime());
                    tick.run();
                }

                @Override
                public void onDone() {
                    events.add("done");
                }

                @Override
                public HttpFilter newFilter(StreamContext ctx) {
                    stream = ctx;
                    return filter(ctx);
                }
            };
        }

        private HttpFilter filter(StreamContext ctx) {
            return new HttpFilter() {
                @Override
                public FilterStatus onRequestHeaders(Headers headers, boolean eos) {
                    events.add("request headers eos=" + eos);
                    return requestHeaders.apply(ctx, headers);
                }

                @Override
                public FilterStatus onRequestBody(Body body, boolean eos) {
                    events.add("request body " + body.toString(UTF_8) + " eos=" + eos);
                    return requestBody.apply(ctx, body);
                }

                @Override
                public FilterStatus onRequestTrailers(Headers trailers) {
                    events.add("request trailers");
                    return requestTrailers.apply(ctx, trailers);
                }

                @Override
                public FilterStatus onResponseHeaders(Headers headers, boolean eos) {
                    events.add("response headers " + headers.get(":status") + " eos=" + eos);
                    return responseHeaders.apply(ctx, headers);
                }

                @Override
                public FilterStatus onResponseBody(Body body, boolean eos) {
                    events.add("response body " + body.toString(UTF_8) + " eos=" + eos);
                    return responseBody.apply(ctx, body);
                }

                @Override
                public void onLog() {
                    events.add("log");
                }

                @Override
                public void onDestroy() {
                    events.add("destroy");
                }
            };
        }
    }

    private final Script f = new Script();

    @Test
    void reportsConfigErrorsWithTheConfigPath() {
        assertThat(FilterHarness.configErrors(f, Map.of("n", 11, "x", 1)))
                .containsExactlyInAnyOrder(
                        "config.x: unknown key (expected one of: n)",
                        "config.n: must be <= 10 (was 11)");
        assertThatThrownBy(() -> FilterHarness.of(f, Map.of("n", "one")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid config:\n  config.n: expected a whole number (was \"one\")");
        assertThat(FilterHarness.configErrors(f, null)).isEmpty();
    }

    @Test
    void aTaskPostedFromAnotherThreadRunsInTheHarnessAndFlagsAreRecorded() throws Exception {
        f.requestHeaders =
                (c, h) -> {
                    Thread t =
                            new Thread(
                                    () ->
                                            c.executor()
                                                    .execute(
                                                            () -> {
                                                                h.set("x-late", "yes");
                                                                c.addResponseFlag("DI");
                                                                c.continueRequest();
                                                            }));
                    t.start();
                    return STOP;
                };
        FilterHarness h = FilterHarness.of(f, Map.of("n", 1));
        StreamRun r = h.request("GET", "/").send();
        assertThat(h.runPendingUntil(r::forwarded, java.time.Duration.ofSeconds(5))).isTrue();
        assertThat(r.upstreamHeaders().get("x-late")).isEqualTo("yes");
        assertThat(r.responseFlags()).containsExactly("DI");
    }

    @Test
    void reportsARejectionFromOnConfigure() {
        assertThatThrownBy(() -> FilterHarness.of(f, Map.of("n", 9)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("config rejected: n: 9 is unlucky");
    }

    @Test
    void runsARequestAndResponseThroughEveryCallbackInOrder() {
        f.requestHeaders =
                (c, h) -> {
                    h.set("x-added", "1");
                    return CONTINUE;
                };
        FilterHarness h = FilterHarness.of(f, Map.of("n", 3));
        StreamRun r = h.request("POST", "/p?q=1").header("X-In", "a").body("ab").body("cd").send();

        assertThat(r.forwarded()).isTrue();
        assertThat(r.upstreamHeaders().get("x-added")).isEqualTo("1");
        assertThat(r.upstreamHeaders().get("x-in")).isEqualTo("a");
        assertThat(r.upstreamHeaders().get(":authority")).isEqualTo("example.com");
        assertThat(r.upstreamBody()).isEqualTo("abcd");
        assertThat(f.stream.config()).isEqualTo(3L);

        r.respond(201).header("x-out", "b").body("ok").send();

        assertThat(r.status()).isEqualTo(201);
        assertThat(r.responseHeaders().get("x-out")).isEqualTo("b");
        assertThat(r.responseBody()).isEqualTo("ok");
        assertThat(r.destroyed()).isTrue();
        assertThat(f.events)
                .containsExactly(
                        "configure 3",
                        "request headers eos=false",
                        "request body ab eos=false",
                        "request body cd eos=true",
                        "response headers 201 eos=false",
                        "response body ok eos=true",
                        "log",
                        "destroy");
    }

    @Test
    void stopOnHeadersWaitsForContinueRequestFromATimer() {
        f.requestHeaders =
                (c, h) -> {
                    c.schedule(Duration.ofMillis(50), c::continueRequest);
                    return STOP;
                };
        FilterHarness h = FilterHarness.of(f, null);
        StreamRun r = h.request("GET", "/").body("x").send();

        assertThat(r.requestPaused()).isTrue();
        assertThat(r.upstreamHeaders()).isNull();
        h.advance(Duration.ofMillis(49));
        assertThat(r.forwarded()).isFalse();
        h.advance(Duration.ofMillis(1));
        assertThat(r.forwarded()).isTrue();
        assertThat(r.upstreamBody()).isEqualTo("x");
        assertThat(f.events).contains("request body x eos=true");
    }

    @Test
    void stopOnABodyChunkHoldsItForTheNextCall() {
        f.requestBody = (c, b) -> b.length() < 4 ? STOP : CONTINUE;
        StreamRun r = FilterHarness.of(f, null).request("PUT", "/").body("ab").body("cd").send();

        assertThat(f.events).contains("request body ab eos=false", "request body abcd eos=true");
        assertThat(r.upstreamBody()).isEqualTo("abcd");
    }

    @Test
    void stopOnTheLastChunkPausesUntilContinued() {
        f.requestBody =
                (c, b) -> {
                    b.replace("changed".getBytes(UTF_8));
                    return STOP;
                };
        FilterHarness h = FilterHarness.of(f, null);
        StreamRun r = h.request("PUT", "/").body("orig").send();
        assertThat(r.requestPaused()).isTrue();

        f.stream.continueRequest();
        h.runPending();
        assertThat(r.forwarded()).isTrue();
        assertThat(r.upstreamBody()).isEqualTo("changed");
    }

    @Test
    void bufferedBodyComesInOneCallAndFixesContentLength() {
        f.requestHeaders =
                (c, h) -> {
                    c.bufferRequestBody(10);
                    return CONTINUE;
                };
        f.requestBody =
                (c, b) -> {
                    b.replace("x".getBytes(UTF_8));
                    return CONTINUE;
                };
        StreamRun r =
                FilterHarness.of(f, null)
                        .request("POST", "/")
                        .header("content-length", "4")
                        .body("ab")
                        .body("cd")
                        .send();
        assertThat(f.events).contains("request body abcd eos=true");
        assertThat(r.upstreamBody()).isEqualTo("x");
        assertThat(r.upstreamHeaders().get("content-length")).isEqualTo("1");
    }

    @Test
    void bufferedRequestBodyOverTheLimitGets413() {
        f.requestHeaders =
                (c, h) -> {
                    c.bufferRequestBody(3);
                    return CONTINUE;
                };
        StreamRun r = FilterHarness.of(f, null).request("POST", "/").body("abcd").send();
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.localReply().details()).isEqualTo("request_payload_too_large");
        assertThat(r.upstreamHeaders()).isNull();
        assertThat(f.events)
                .doesNotContain("request body abcd eos=true")
                .endsWith("log", "destroy");
    }

    @Test
    void bufferedResponseBodyOverTheLimitGets500() {
        f.responseHeaders =
                (c, h) -> {
                    c.bufferResponseBody(1);
                    return CONTINUE;
                };
        StreamRun r = FilterHarness.of(f, null).request("GET", "/").send();
        r.respond(200).body("too long").send();
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.localReply().details()).isEqualTo("response_payload_too_large");
    }

    @Test
    void bufferingOutsideTheHeaderCallbackIsAnError() {
        f.requestBody =
                (c, b) -> {
                    c.bufferRequestBody(10);
                    return CONTINUE;
                };
        FilterHarness h = FilterHarness.of(f, null);
        assertThatThrownBy(() -> h.request("POST", "/").body("a").send())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("call bufferRequestBody from onRequestHeaders");
    }

    @Test
    void localReplyEndsTheStreamWithoutTheResponseCallbacks() {
        f.requestHeaders =
                (c, h) -> {
                    c.sendLocalReply(
                            LocalReply.status(403)
                                    .body("no")
                                    .header("x-why", "test")
                                    .responseFlag("UAEX")
                                    .build());
                    return STOP;
                };
        FilterHarness h = FilterHarness.of(f, null);
        StreamRun r = h.request("GET", "/").body("ignored").send();

        assertThat(r.status()).isEqualTo(403);
        assertThat(r.responseBody()).isEqualTo("no");
        assertThat(r.responseHeaders().get("content-type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(r.responseHeaders().get("x-why")).isEqualTo("test");
        assertThat(r.forwarded()).isFalse();
        assertThat(r.context().property("response.flags")).isEqualTo("UAEX");
        assertThat(f.events)
                .containsExactly("configure 0", "request headers eos=false", "log", "destroy");
        assertThatThrownBy(() -> r.respond(200))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the stream is over (local reply 403)");
    }

    @Test
    void localReplyAfterTheResponseHeadersPassedResetsTheStream() {
        f.responseBody =
                (c, b) -> {
                    c.sendLocalReply(LocalReply.status(500).build());
                    return STOP;
                };
        StreamRun r = FilterHarness.of(f, null).request("GET", "/").send();
        r.respond(200).body("a").send();
        assertThat(r.wasReset()).isTrue();
        assertThat(r.status()).isZero();
        assertThat(r.localReply()).isNull();
    }

    @Test
    void responseCannotStartBeforeTheRequestReachedTheUpstream() {
        f.requestHeaders = (c, h) -> STOP;
        StreamRun r = FilterHarness.of(f, null).request("GET", "/").send();
        assertThatThrownBy(() -> r.respond(200))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the request has not reached the upstream (the filter paused it)");
    }

    @Test
    void stopOnTrailersPausesUntilContinued() {
        f.requestTrailers = (c, t) -> STOP;
        FilterHarness h = FilterHarness.of(f, null);
        StreamRun r = h.request("POST", "/").body("a").trailer("x-t", "1").send();
        assertThat(f.events).contains("request body a eos=false", "request trailers");
        assertThat(r.requestPaused()).isTrue();
        assertThat(r.upstreamBody()).isEqualTo("a");
        f.stream.continueRequest();
        h.runPending();
        assertThat(r.forwarded()).isTrue();
    }

    @Test
    void scriptedCallOutIsAnsweredAfterHttpCallReturns() {
        List<String> order = new ArrayList<>();
        f.requestHeaders =
                (c, h) -> {
                    c.httpCall(
                            "auth",
                            HttpCallRequest.get("/check"),
                            Duration.ofSeconds(1),
                            resp -> {
                                order.add("answer " + resp.status() + " " + resp.bodyText());
                                c.continueRequest();
                            });
                    order.add("httpCall returned");
                    return STOP;
                };
        FilterHarness h = FilterHarness.of(f, null);
        h.onHttpCall(
                "auth",
                req ->
                        new HttpCallResponse(
                                200, List.of(), ("for " + req.path()).getBytes(), null));
        StreamRun r = h.request("GET", "/").send();

        assertThat(order).containsExactly("httpCall returned", "answer 200 for /check");
        assertThat(r.forwarded()).isTrue();
        assertThat(h.calls()).singleElement().satisfies(c -> assertThat(c.pending()).isFalse());
    }

    @Test
    void unansweredCallOutTimesOutExactlyAtItsTimeout() {
        List<HttpCallResponse> got = new ArrayList<>();
        f.requestHeaders =
                (c, h) -> {
                    c.httpCall("auth", HttpCallRequest.get("/"), Duration.ofMillis(200), got::add);
                    return STOP;
                };
        FilterHarness h = FilterHarness.of(f, null);
        h.request("GET", "/").send();
        assertThat(h.pendingCalls()).hasSize(1);

        h.advance(Duration.ofMillis(199));
        assertThat(got).isEmpty();
        h.advance(Duration.ofMillis(1));
        assertThat(got)
                .singleElement()
                .satisfies(r -> assertThat(r.failure()).isEqualTo("timeout"));
        assertThat(h.pendingCalls()).isEmpty();
        assertThatThrownBy(() -> h.calls().get(0).respond(200, "late"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("call-out to auth / was already answered");
    }

    @Test
    void endingTheStreamCancelsItsCallOutsAndTimers() {
        List<String> got = new ArrayList<>();
        f.requestHeaders =
                (c, h) -> {
                    c.httpCall(
                            "auth",
                            HttpCallRequest.get("/"),
                            Duration.ofSeconds(1),
                            r -> got.add("call"));
                    c.schedule(Duration.ofMillis(10), () -> got.add("timer"));
                    return STOP;
                };
        FilterHarness h = FilterHarness.of(f, null);
        StreamRun r = h.request("GET", "/").send();
        r.abort();
        h.advance(Duration.ofSeconds(2));

        assertThat(got).isEmpty();
        assertThat(r.wasReset()).isTrue();
        assertThat(h.calls().get(0).cancelled()).isTrue();
        assertThat(f.events).endsWith("log", "destroy");
    }

    @Test
    void timersRunInOrderAtTheirOwnInstant() {
        FilterHarness h = FilterHarness.of(f, null);
        List<String> got = new ArrayList<>();
        RootContext root = f.rootContext;
        long start = h.nanoTime();
        root.schedule(Duration.ofMillis(30), () -> got.add("30 at " + (root.nanoTime() - start)));
        root.schedule(Duration.ofMillis(10), () -> got.add("10 at " + (root.nanoTime() - start)));
        Cancellable never = root.schedule(Duration.ofMillis(20), () -> got.add("20"));
        never.cancel();

        h.advance(Duration.ofSeconds(1));
        assertThat(got).containsExactly("10 at 10000000", "30 at 30000000");
        assertThat(h.currentTimeMillis()).isEqualTo(FilterHarness.START_MILLIS + 1000);
    }

    @Test
    void ticksRepeatUntilThePeriodIsZero() {
        FilterHarness h = FilterHarness.of(f, null);
        long start = h.nanoTime();
        f.rootContext.setTickPeriod(Duration.ofSeconds(1));
        h.advance(Duration.ofMillis(2500));
        f.rootContext.setTickPeriod(Duration.ZERO);
        h.advance(Duration.ofSeconds(5));
        assertThat(f.events)
                .containsExactly(
                        "configure 0",
                        "tick at " + (start + 1_000_000_000L),
                        "tick at " + (start + 2_000_000_000L));
    }

    @Test
    void sharedDataComparesAndSwapsVersions() {
        FilterHarness.of(f, null);
        SharedData d = f.rootContext.sharedData();
        assertThat(d.get("k")).isNull();
        assertThat(d.set("k", "a".getBytes(UTF_8), 5)).isFalse();
        assertThat(d.set("k", "a".getBytes(UTF_8), 0)).isTrue();
        assertThat(d.get("k").version()).isEqualTo(1);
        assertThat(d.set("k", "b".getBytes(UTF_8), 2)).isFalse();
        assertThat(d.set("k", "b".getBytes(UTF_8), 1)).isTrue();
        SharedData.Entry e = d.get("k");
        assertThat(new String(e.value(), UTF_8)).isEqualTo("b");
        assertThat(e.version()).isEqualTo(2);
        e.value()[0] = 'z';
        assertThat(new String(d.get("k").value(), UTF_8)).isEqualTo("b");
    }

    @Test
    void queueNotifiesItsRegistrantOncePerBatch() {
        FilterHarness h = FilterHarness.of(f, null);
        List<String> got = new ArrayList<>();
        SharedQueue[] q = new SharedQueue[1];
        q[0] =
                f.rootContext.registerQueue(
                        "jobs",
                        () -> {
                            byte[] m;
                            while ((m = q[0].dequeue()) != null) {
                                got.add(new String(m, UTF_8));
                            }
                            got.add("|");
                        });
        assertThat(h.queue("nope")).isNull();
        h.queue("jobs").enqueue("a".getBytes(UTF_8));
        h.queue("jobs").enqueue("b".getBytes(UTF_8));
        assertThat(got).isEmpty();
        h.runPending();
        assertThat(got).containsExactly("a", "b", "|");
    }

    @Test
    void metricsAreCountedAndCheckedLikeWeirDoes() {
        FilterHarness h = FilterHarness.of(f, null);
        Metrics m = f.rootContext.metrics();
        Metrics.Counter c = m.counter("test_hits_total", "hits", "kind");
        c.inc("a");
        c.add(2, "a");
        m.histogram("test_seconds", "t", new double[] {0.1, 1}).record(0.5);
        m.gauge("test_open", "o").set(4);

        assertThat(h.counter("test_hits_total", "a")).isEqualTo(3);
        assertThat(h.counter("test_hits_total", "b")).isZero();
        assertThat(h.observations("test_seconds")).containsExactly(0.5);
        assertThat(h.gauge("test_open")).isEqualTo(4);
        assertThat(m.counter("test_hits_total", "again", "kind")).isNotNull();
        assertThatThrownBy(() -> h.counter("test_misses_total"))
                .hasMessageStartingWith("no counter test_misses_total was defined");
        assertThatThrownBy(() -> c.inc())
                .hasMessage("metric test_hits_total has labels [kind] but was given 0 values");
        assertThatThrownBy(() -> m.gauge("test_hits_total", "x", "kind"))
                .hasMessage("metric test_hits_total is already a counter with labels [kind]");
        assertThatThrownBy(() -> c.add(-1, "a"))
                .hasMessage("counter test_hits_total cannot go down (add -1)");
        assertThatThrownBy(() -> m.counter("bad-name", "x"))
                .hasMessage("invalid metric name bad-name");
    }

    @Test
    void propertiesComeFromTheTestThenTheStream() {
        FilterHarness h = FilterHarness.of(f, null).property("source.address", "10.0.0.1");
        StreamRun r =
                h.request("GET", "/a/b?x=1")
                        .header(":authority", "api.test")
                        .property("route_name", "r1")
                        .metadata("user", "alice")
                        .send();
        StreamContext c = r.context();
        assertThat(c.property("source.address")).isEqualTo("10.0.0.1");
        assertThat(c.property("route_name")).isEqualTo("r1");
        assertThat(c.property("request.url_path")).isEqualTo("/a/b");
        assertThat(c.property("request.query")).isEqualTo("x=1");
        assertThat(c.property("request.host")).isEqualTo("api.test");
        assertThat(c.property("plugin_name")).isEqualTo("test.script");
        assertThat(c.property("user")).isEqualTo("alice");
        assertThat(c.property("response.code")).isNull();
        assertThat(c.property("connection.id")).isNull();
    }

    @Test
    void routeConfigReplacesTheListenerConfigForOneStream() {
        FilterHarness h = FilterHarness.of(f, Map.of("n", 1));
        h.request("GET", "/").routeConfig(Map.of("n", 2)).send();
        assertThat(f.stream.config()).isEqualTo(2L);
        h.request("GET", "/").send();
        assertThat(f.stream.config()).isEqualTo(1L);
    }

    /** Counts requests in its parsed config object, so a parse is visible as a new count. */
    static final class Counting implements HttpFilterFactory {
        @Override
        public String name() {
            return "test.counting";
        }

        @Override
        public Object parseConfig(ConfigNode config) {
            return new AtomicLong();
        }

        @Override
        public HttpFilterRoot createRoot(RootContext context) {
            Metrics.Counter requests =
                    context.metrics().counter("test_requests_total", "requests", "worker");
            return ctx ->
                    new HttpFilter() {
                        @Override
                        public FilterStatus onRequestHeaders(Headers headers, boolean eos) {
                            long n = ((AtomicLong) ctx.config()).incrementAndGet();
                            headers.set("x-count", Long.toString(n));
                            headers.set("x-worker", ctx.property("worker_id"));
                            requests.inc(Integer.toString(ctx.workerId()));
                            return CONTINUE;
                        }
                    };
        }
    }

    static String count(StreamRun r) {
        return r.upstreamHeaders().get("x-count");
    }

    @Test
    void aParsedRouteConfigIsTheSameObjectForEveryRequestOfTheRoute() {
        Counting counting = new Counting();
        FilterHarness h = FilterHarness.of(counting, null);
        Object route = FilterHarness.parseConfig(counting, null);
        assertThat(count(h.request("GET", "/").parsedRouteConfig(route).send())).isEqualTo("1");
        assertThat(count(h.request("GET", "/").parsedRouteConfig(route).send())).isEqualTo("2");
        assertThat(((AtomicLong) route).get()).isEqualTo(2);
        // a raw override is parsed for each request, and the listener's config is untouched
        assertThat(count(h.request("GET", "/").routeConfig(Map.of()).send())).isEqualTo("1");
        assertThat(count(h.request("GET", "/").routeConfig(Map.of()).send())).isEqualTo("1");
        assertThat(count(h.request("GET", "/").send())).isEqualTo("1");
    }

    @Test
    void anotherWorkerSharesTheParsedConfigMetricsAndSharedDataButNotTheClock() {
        Counting counting = new Counting();
        FilterHarness w0 = FilterHarness.of(counting, null);
        FilterHarness w1 = w0.anotherWorker();
        FilterHarness w2 = w0.anotherWorker();
        assertThat(List.of(w0.workerId(), w1.workerId(), w2.workerId())).containsExactly(0, 1, 2);
        assertThat(w1.config()).isSameAs(w0.config());
        assertThat(w1.root()).isNotSameAs(w0.root());

        StreamRun a = w0.request("GET", "/").send();
        StreamRun b = w1.request("GET", "/").send();
        StreamRun c = w2.request("GET", "/").send();
        assertThat(List.of(count(a), count(b), count(c))).containsExactly("1", "2", "3");
        assertThat(b.upstreamHeaders().get("x-worker")).isEqualTo("1");
        assertThat(c.context().workerId()).isEqualTo(2);
        assertThat(w2.counter("test_requests_total", "0")).isEqualTo(1);
        assertThat(w0.counter("test_requests_total", "2")).isEqualTo(1);

        w1.sharedData().set("k", "v".getBytes(UTF_8), 0);
        assertThat(w0.sharedData().get("k").version()).isEqualTo(1);

        w1.advance(Duration.ofSeconds(5));
        assertThat(w1.nanoTime() - w0.nanoTime()).isEqualTo(Duration.ofSeconds(5).toNanos());
        w0.close();
        assertThat(w1.request("GET", "/").send().forwarded()).isTrue();
    }

    @Test
    void callsAfterDestroyAreIgnoredAndCounted() {
        FilterHarness h = FilterHarness.of(f, null);
        StreamRun r = h.request("GET", "/").send();
        r.respond(200).send();
        assertThat(r.destroyed()).isTrue();

        f.stream.sendLocalReply(LocalReply.status(500).build());
        f.stream.setMetadata("k", "v");
        assertThat(h.callsAfterDestroy()).isEqualTo(2);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.metadata("k")).isNull();
    }

    @Test
    void aBodyKeptAfterItsCallbackCannotBeUsed() {
        Body[] kept = new Body[1];
        f.requestBody =
                (c, b) -> {
                    kept[0] = b;
                    return CONTINUE;
                };
        FilterHarness.of(f, null).request("POST", "/").body("a").send();
        assertThatThrownBy(() -> kept[0].length())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("body used after its callback returned");
    }

    @Test
    void closeEndsOpenStreamsThenRetiresTheRoot() {
        f.requestHeaders = (c, h) -> STOP;
        FilterHarness h = FilterHarness.of(f, null);
        f.rootContext.setTickPeriod(Duration.ofSeconds(1));
        StreamRun r = h.request("GET", "/").send();
        h.close();

        assertThat(r.wasReset()).isTrue();
        assertThat(f.events).endsWith("log", "destroy", "done");
        assertThatThrownBy(() -> h.request("GET", "/"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the harness is closed");
    }

    @Test
    void kitImportsOnlyTheJdkAndTheSpi() throws IOException {
        // the kit must work with any test framework: no JUnit, no AssertJ in its sources
        Path dir = Path.of("src/test/java/io/weir/spi/testkit");
        List<String> bad = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(p -> !p.toString().endsWith("Test.java")).toList()) {
                for (String line : Files.readAllLines(p)) {
                    if (line.startsWith("import ")
                            && !line.matches("import (static )?(java\\.|io\\.weir\\.spi\\.).*")) {
                        bad.add(p.getFileName() + ": " + line);
                    }
                }
            }
        }
        assertThat(bad).isEmpty();
        assertThat(dir.resolve("FilterHarness.java")).exists();
    }
}
