package io.weir.distro.tracing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** An HTTP upstream that answers 200 and keeps each request's headers (lower-case names). */
final class CapturingUpstream implements AutoCloseable {
    private final HttpServer server;
    private final BlockingQueue<Map<String, String>> requests = new LinkedBlockingQueue<>();

    CapturingUpstream() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.createContext(
                "/",
                ex -> {
                    Map<String, String> h = new TreeMap<>();
                    ex.getRequestHeaders()
                            .forEach(
                                    (k, v) ->
                                            h.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
                    requests.add(h);
                    ex.getRequestBody().readAllBytes();
                    byte[] b = "ok".getBytes(StandardCharsets.UTF_8);
                    ex.sendResponseHeaders(200, b.length);
                    ex.getResponseBody().write(b);
                    ex.close();
                });
        server.start();
    }

    String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** The next request's headers (waits up to 5 s). */
    Map<String, String> next() throws InterruptedException {
        Map<String, String> h = requests.poll(5, TimeUnit.SECONDS);
        if (h == null) {
            throw new AssertionError("no request reached the upstream");
        }
        return h;
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
