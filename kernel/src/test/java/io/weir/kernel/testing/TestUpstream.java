package io.weir.kernel.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 upstream on 127.0.0.1:0 (the JDK's HTTP server), for tests. By default every path
 * answers 200 with an echo of what it received: {@code name=<server name>}, the method, the path
 * with query, each header as {@code h:name=value} and {@code body-bytes=N}. It counts the TCP
 * connections it accepted (by remote port), so tests can check keep-alive reuse.
 */
public final class TestUpstream implements AutoCloseable {
    static {
        // the JDK server writes a response head and body separately: without TCP_NODELAY the
        // body waits for a delayed ACK (~40 ms a response). Read once, when the server classes
        // load; timing only, what is sent is the same.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final String name;
    private final Set<Integer> remotePorts = ConcurrentHashMap.newKeySet();
    private final AtomicInteger requests = new AtomicInteger();

    public TestUpstream(String name) throws IOException {
        this.name = name;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        server.setExecutor(pool);
        server.createContext("/", this::echo);
        server.start();
    }

    public TestUpstream() throws IOException {
        this("upstream");
    }

    /** Installs {@code handler} for paths under {@code prefix} (longest prefix wins). */
    public TestUpstream on(String prefix, HttpHandler handler) {
        server.createContext(
                prefix,
                ex -> {
                    count(ex);
                    handler.handle(ex);
                });
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String address() {
        return "127.0.0.1:" + port();
    }

    /** Distinct client connections seen so far. */
    public int connections() {
        return remotePorts.size();
    }

    public int requests() {
        return requests.get();
    }

    private void count(HttpExchange ex) {
        remotePorts.add(ex.getRemoteAddress().getPort());
        requests.incrementAndGet();
    }

    private void echo(HttpExchange ex) throws IOException {
        count(ex);
        long n = drain(ex.getRequestBody());
        StringBuilder sb = new StringBuilder();
        sb.append("name=").append(name).append('\n');
        sb.append("method=").append(ex.getRequestMethod()).append('\n');
        sb.append("uri=").append(ex.getRequestURI().toString()).append('\n');
        Map<String, List<String>> sorted = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        sorted.putAll(ex.getRequestHeaders());
        sorted.forEach(
                (k, vs) ->
                        vs.forEach(
                                v ->
                                        sb.append("h:")
                                                .append(k.toLowerCase())
                                                .append('=')
                                                .append(v)
                                                .append('\n')));
        sb.append("body-bytes=").append(n).append('\n');
        byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("x-upstream", name);
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(body);
        }
    }

    /** Reads and discards a body, returning its length. */
    public static long drain(InputStream in) throws IOException {
        byte[] buf = new byte[65536];
        long n = 0;
        int r;
        while ((r = in.read(buf)) >= 0) {
            n += r;
        }
        return n;
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
