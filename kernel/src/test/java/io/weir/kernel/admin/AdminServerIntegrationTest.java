package io.weir.kernel.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.weir.kernel.stats.Stats;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminServerIntegrationTest {
    private static EventLoopGroup group;

    private final FakeContext ctx = new FakeContext();
    private final HttpClient client =
            HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
    private AdminServer admin;
    private InetSocketAddress address;

    @BeforeAll
    static void startGroup() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopGroup() {
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @BeforeEach
    void start() throws Exception {
        admin =
                new AdminServer(
                        ctx,
                        group,
                        NioServerSocketChannel.class,
                        new InetSocketAddress("127.0.0.1", 0));
        address = admin.start();
    }

    @AfterEach
    void stop() {
        admin.close();
    }

    /** The server's side: canned answers, and a record of what the admin asked for. */
    static final class FakeContext implements AdminContext {
        final Stats stats = new Stats(1);
        volatile boolean live = true;
        volatile String state = "LIVE";
        volatile boolean clustersFail;
        final CountDownLatch quit = new CountDownLatch(1);
        final List<Boolean> drains = new CopyOnWriteArrayList<>();
        final AtomicInteger reopens = new AtomicInteger();
        final List<String> levels = new CopyOnWriteArrayList<>();

        FakeContext() {
            stats.counter("weir_http_downstream_rq_total", "Requests.", "listener", "ingress")
                    .add(0, 3);
            stats.counter("weir_cluster_upstream_rq_total", "Requests.", "cluster", "backend")
                    .inc(stats.otherSlot());
        }

        @Override
        public boolean live() {
            return live;
        }

        @Override
        public String state() {
            return state;
        }

        @Override
        public Stats stats() {
            return stats;
        }

        @Override
        public String configDumpJson() {
            return "{\"listeners\":[]}";
        }

        @Override
        public String clustersText() {
            if (clustersFail) {
                throw new IllegalStateException("cluster manager\nis gone");
            }
            return "backend::127.0.0.1:8080::health_flags::healthy\n";
        }

        @Override
        public String listenersText() {
            return "ingress::0.0.0.0:10000\n";
        }

        @Override
        public String serverInfoJson() {
            return "{\"version\":\"test\",\"state\":\"" + state + "\"}";
        }

        @Override
        public void quitQuitQuit() {
            quit.countDown();
        }

        @Override
        public void drainListeners(boolean graceful) {
            drains.add(graceful);
        }

        @Override
        public void reopenLogs() {
            reopens.incrementAndGet();
        }

        @Override
        public void setLogLevel(String level) {
            if (!List.of("trace", "debug", "info", "warn", "error").contains(level)) {
                throw new IllegalArgumentException("unknown log level: " + level);
            }
            levels.add(level);
        }
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        return send("GET", pathAndQuery);
    }

    private HttpResponse<String> post(String pathAndQuery) throws Exception {
        return send("POST", pathAndQuery);
    }

    private HttpResponse<String> send(String method, String pathAndQuery) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + address.getPort() + pathAndQuery);
        HttpRequest req =
                HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(10))
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .build();
        return client.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static String contentType(HttpResponse<?> res) {
        return res.headers().firstValue("content-type").orElse("");
    }

    @Test
    void readyAnswersLiveWhileServing() throws Exception {
        HttpResponse<String> res = get("/ready");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("LIVE\n");
        assertThat(contentType(res)).isEqualTo("text/plain; charset=utf-8");
    }

    @Test
    void readyAnswers503WithTheStateWhenNotLive() throws Exception {
        ctx.live = false;
        ctx.state = "DRAINING";
        HttpResponse<String> res = get("/ready");
        assertThat(res.statusCode()).isEqualTo(503);
        assertThat(res.body()).isEqualTo("DRAINING\n");
        ctx.state = "PRE_INITIALIZING";
        assertThat(get("/ready").body()).isEqualTo("PRE_INITIALIZING\n");
    }

    @Test
    void statsAreTextByDefaultAndPrometheusOnRequest() throws Exception {
        HttpResponse<String> text = get("/stats");
        assertThat(text.statusCode()).isEqualTo(200);
        assertThat(contentType(text)).isEqualTo("text/plain; charset=utf-8");
        assertThat(text.body())
                .isEqualTo(
                        "weir_cluster_upstream_rq_total{cluster=\"backend\"}: 1\n"
                                + "weir_http_downstream_rq_total{listener=\"ingress\"}: 3\n");

        String prometheus = ctx.stats.renderPrometheus();
        for (String path : List.of("/stats/prometheus", "/stats?format=prometheus")) {
            HttpResponse<String> res = get(path);
            assertThat(res.statusCode()).as(path).isEqualTo(200);
            assertThat(contentType(res))
                    .as(path)
                    .isEqualTo("text/plain; version=0.0.4; charset=utf-8");
            assertThat(res.body()).as(path).isEqualTo(prometheus);
        }
        assertThat(prometheus)
                .contains("# TYPE weir_http_downstream_rq_total counter\n")
                .contains("weir_http_downstream_rq_total{listener=\"ingress\"} 3\n");
    }

    @Test
    void statsFilterKeepsMatchingLines() throws Exception {
        assertThat(get("/stats?filter=downstream").body())
                .isEqualTo("weir_http_downstream_rq_total{listener=\"ingress\"}: 3\n");
        HttpResponse<String> bad = get("/stats?filter=%28");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).startsWith("invalid filter: ");
        HttpResponse<String> format = get("/stats?format=xml");
        assertThat(format.statusCode()).isEqualTo(400);
        assertThat(format.body()).isEqualTo("unknown format: xml (expected text or prometheus)\n");
    }

    @Test
    void dumpsConfigClustersListenersAndServerInfo() throws Exception {
        HttpResponse<String> config = get("/config_dump");
        assertThat(config.statusCode()).isEqualTo(200);
        assertThat(contentType(config)).isEqualTo("application/json");
        assertThat(config.body()).isEqualTo("{\"listeners\":[]}");

        HttpResponse<String> clusters = get("/clusters");
        assertThat(clusters.statusCode()).isEqualTo(200);
        assertThat(clusters.body()).isEqualTo("backend::127.0.0.1:8080::health_flags::healthy\n");

        HttpResponse<String> listeners = get("/listeners");
        assertThat(listeners.statusCode()).isEqualTo(200);
        assertThat(contentType(listeners)).isEqualTo("text/plain; charset=utf-8");
        assertThat(listeners.body()).isEqualTo("ingress::0.0.0.0:10000\n");

        HttpResponse<String> info = get("/server_info");
        assertThat(info.statusCode()).isEqualTo(200);
        assertThat(contentType(info)).isEqualTo("application/json");
        assertThat(info.body()).isEqualTo("{\"version\":\"test\",\"state\":\"LIVE\"}");
    }

    @Test
    void indexListsEveryEndpoint() throws Exception {
        HttpResponse<String> res = get("/");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body())
                .startsWith("weir admin\n")
                .contains("  GET  /ready ")
                .contains("  GET  /stats/prometheus ")
                .contains("  POST /quitquitquit ")
                .contains("  POST /logging ");
        for (String path :
                List.of(
                        "/stats ",
                        "/config_dump",
                        "/clusters",
                        "/listeners",
                        "/server_info",
                        "/drain_listeners",
                        "/reopen_logs")) {
            assertThat(res.body()).contains(path);
        }
    }

    @Test
    void quitQuitQuitAnswersOkThenStartsShutdown() throws Exception {
        HttpResponse<String> res = post("/quitquitquit");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("OK\n");
        assertThat(ctx.quit.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void drainListenersPassesTheGracefulFlag() throws Exception {
        assertThat(post("/drain_listeners").body()).isEqualTo("OK\n");
        assertThat(post("/drain_listeners?graceful").body()).isEqualTo("OK\n");
        assertThat(post("/drain_listeners?graceful=false").statusCode()).isEqualTo(200);
        assertThat(ctx.drains).containsExactly(false, true, false);
    }

    @Test
    void reopenLogsCallsTheServer() throws Exception {
        HttpResponse<String> res = post("/reopen_logs");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("OK\n");
        assertThat(ctx.reopens).hasValue(1);
    }

    @Test
    void loggingSetsTheLevelAndRejectsBadOnesWith400() throws Exception {
        HttpResponse<String> ok = post("/logging?level=debug");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("log level set to debug\n");
        assertThat(ctx.levels).containsExactly("debug");

        HttpResponse<String> bad = post("/logging?level=loud");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).isEqualTo("unknown log level: loud\n");

        HttpResponse<String> missing = post("/logging");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(missing.body()).isEqualTo("missing query parameter: level\n");
        assertThat(ctx.levels).containsExactly("debug");
    }

    @Test
    void getOnAPostEndpointIs405AllowPost() throws Exception {
        for (String path :
                List.of("/quitquitquit", "/drain_listeners", "/reopen_logs", "/logging")) {
            HttpResponse<String> res = get(path + "?level=debug&graceful");
            assertThat(res.statusCode()).as(path).isEqualTo(405);
            assertThat(res.headers().firstValue("allow")).as(path).hasValue("POST");
            assertThat(res.body())
                    .as(path)
                    .isEqualTo("method GET not allowed on " + path + ", use POST\n");
        }
        assertThat(ctx.quit.getCount()).isEqualTo(1);
        assertThat(ctx.drains).isEmpty();
        assertThat(ctx.reopens).hasValue(0);
        assertThat(ctx.levels).isEmpty();
    }

    @Test
    void postOnAGetEndpointIs405AllowGet() throws Exception {
        for (String path :
                List.of(
                        "/",
                        "/ready",
                        "/stats",
                        "/stats/prometheus",
                        "/config_dump",
                        "/clusters",
                        "/listeners",
                        "/server_info")) {
            HttpResponse<String> res = post(path);
            assertThat(res.statusCode()).as(path).isEqualTo(405);
            assertThat(res.headers().firstValue("allow")).as(path).hasValue("GET");
            assertThat(res.body())
                    .as(path)
                    .isEqualTo("method POST not allowed on " + path + ", use GET\n");
        }
        HttpResponse<String> delete = send("DELETE", "/stats");
        assertThat(delete.statusCode()).isEqualTo(405);
        assertThat(delete.headers().firstValue("allow")).hasValue("GET");
    }

    @Test
    void unknownPathIs404ListingTheEndpoints() throws Exception {
        HttpResponse<String> res = get("/nope?x=1");
        assertThat(res.statusCode()).isEqualTo(404);
        assertThat(res.body())
                .startsWith("not found: /nope\n\nweir admin\n")
                .contains("/ready")
                .contains("/quitquitquit");
    }

    @Test
    void aFailingEndpointAnswers500AndTheAdminCarriesOn() throws Exception {
        ctx.clustersFail = true;
        HttpResponse<String> res = get("/clusters");
        assertThat(res.statusCode()).isEqualTo(500);
        assertThat(res.body()).isEqualTo("error: cluster manager is gone\n");
        assertThat(get("/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void keepsTheConnectionAliveAcrossRequests() throws Exception {
        try (Socket s = connect()) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            write(s, "GET /ready HTTP/1.1\r\nhost: admin\r\n\r\n");
            RawResponse first = RawResponse.read(in);
            assertThat(first.status).isEqualTo(200);
            assertThat(first.body).isEqualTo("LIVE\n");
            write(s, "GET /listeners HTTP/1.1\r\nhost: admin\r\n\r\n");
            RawResponse second = RawResponse.read(in);
            assertThat(second.status).isEqualTo(200);
            assertThat(second.body).isEqualTo("ingress::0.0.0.0:10000\n");
            write(s, "GET /ready HTTP/1.1\r\nhost: admin\r\nconnection: close\r\n\r\n");
            RawResponse third = RawResponse.read(in);
            assertThat(third.headers).containsEntry("connection", "close");
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void closesAnHttp10ConnectionWithoutKeepAlive() throws Exception {
        try (Socket s = connect()) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            write(s, "GET /ready HTTP/1.0\r\n\r\n");
            RawResponse res = RawResponse.read(in);
            assertThat(res.version).isEqualTo("HTTP/1.0");
            assertThat(res.body).isEqualTo("LIVE\n");
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void headAnswersTheHeadersWithoutABody() throws Exception {
        try (Socket s = connect()) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            write(s, "HEAD /ready HTTP/1.1\r\nhost: admin\r\n\r\n");
            RawResponse head = RawResponse.readHead(in);
            assertThat(head.status).isEqualTo(200);
            assertThat(head.headers).containsEntry("content-length", "5");
            // the next response starts right after the head: no body bytes in between
            write(s, "GET /ready HTTP/1.1\r\nhost: admin\r\n\r\n");
            RawResponse next = RawResponse.read(in);
            assertThat(next.status).isEqualTo(200);
            assertThat(next.body).isEqualTo("LIVE\n");
        }
    }

    @Test
    void rejectsAMalformedRequestWith400() throws Exception {
        try (Socket s = connect()) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            write(s, "GET /ready HTTP/1.1\r\nbad header line\r\n\r\n");
            RawResponse res = RawResponse.read(in);
            assertThat(res.status).isEqualTo(400);
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void closeStopsListening() throws Exception {
        admin.close();
        admin.close(); // idempotent
        try (Socket s = new Socket()) {
            s.connect(address, 2000);
            // connecting to a free port of the ephemeral range can pick that same port as the
            // local one and connect to itself (TCP self-connect): that is not a listener
            assertThat(s.getLocalPort()).as("a listener answered").isEqualTo(address.getPort());
        } catch (IOException expected) {
            // refused: nothing listens any more
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(address, 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    private static void write(Socket s, String request) throws IOException {
        s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    /** A minimal HTTP/1.x response reader for content-length bodies. */
    static final class RawResponse {
        String version;
        int status;
        final Map<String, String> headers = new LinkedHashMap<>();
        String body = "";

        static RawResponse read(InputStream in) throws IOException {
            RawResponse r = readHead(in);
            int length = Integer.parseInt(r.headers.getOrDefault("content-length", "0"));
            r.body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
            return r;
        }

        static RawResponse readHead(InputStream in) throws IOException {
            RawResponse r = new RawResponse();
            String statusLine = line(in);
            String[] parts = statusLine.split(" ", 3);
            r.version = parts[0];
            r.status = Integer.parseInt(parts[1]);
            String h;
            while (!(h = line(in)).isEmpty()) {
                int colon = h.indexOf(':');
                r.headers.put(
                        h.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        h.substring(colon + 1).trim());
            }
            return r;
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                if (b != '\r') {
                    buf.write(b);
                }
            }
            if (b == -1 && buf.size() == 0) {
                throw new IOException("connection closed before a response");
            }
            return buf.toString(StandardCharsets.US_ASCII);
        }
    }
}
