package io.weir.kernel.testing;

import io.weir.kernel.config.ConfigLoader;
import io.weir.kernel.server.ServerOptions;
import io.weir.kernel.server.WeirServer;
import java.nio.file.Path;

/** Starts a real Weir from YAML text for a test; close it in a try-with-resources. */
public final class Weir implements AutoCloseable {
    public final WeirServer server;

    private Weir(WeirServer server) {
        this.server = server;
    }

    /** {@code yaml} with listener and admin addresses on port 0. */
    public static Weir start(String yaml) throws Exception {
        return start(yaml, 1);
    }

    public static Weir start(String yaml, int workers) throws Exception {
        return start(yaml, workers, io.weir.kernel.config.FilterRegistry.EMPTY);
    }

    /** With the filters of {@code filters} (for example in-test filters). */
    public static Weir start(String yaml, int workers, io.weir.kernel.config.FilterRegistry filters)
            throws Exception {
        WeirServer s =
                new WeirServer(
                        ConfigLoader.parse(
                                yaml,
                                Path.of("."),
                                io.weir.kernel.config.FilterSource.fixed(filters)),
                        filters,
                        new ServerOptions(workers, false));
        s.start();
        return new Weir(s);
    }

    public int port(String listener) {
        return server.listenerAddresses().get(listener).getPort();
    }

    public int port() {
        return server.listenerAddresses().values().iterator().next().getPort();
    }

    public int adminPort() {
        return server.adminAddress().getPort();
    }

    /**
     * The current value of one series of {@code /stats/prometheus}, named with its labels as
     * rendered, e.g. {@code weir_http_downstream_rq_total{listener="ingress"}}.
     *
     * @throws IllegalArgumentException when no such series exists
     */
    public double stat(String series) {
        for (String line : server.stats().renderPrometheus().split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new IllegalArgumentException("no series " + series);
    }

    /**
     * Waits (spinning, up to 5 s) until {@link #stat} of {@code series} is {@code expected}, and
     * returns the last value read. A stream's stats are updated when it ends, just after its
     * response is flushed, so a client that has read a response may look a moment too early; a
     * series made by that update (a new label set) may not exist yet either.
     *
     * @throws IllegalArgumentException when the series still does not exist after 5 s
     */
    public double awaitStat(String series, double expected) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            try {
                double v = stat(series);
                if (v == expected) {
                    return v;
                }
            } catch (IllegalArgumentException notYet) {
                // not made yet
            }
            Thread.yield();
        }
        return stat(series);
    }

    /** Sends one request to the admin listener on a new connection and reads the answer. */
    public RawClient.Response admin(String method, String path) throws java.io.IOException {
        try (RawClient c = new RawClient(adminPort())) {
            c.send(method + " " + path + " HTTP/1.1\r\nHost: admin\r\nContent-Length: 0\r\n\r\n");
            return c.read();
        }
    }

    /** A minimal config: one listener {@code ingress}, all routes to cluster {@code backend}. */
    public static String simple(String upstreamAddress, String routeExtra) {
        return """
                admin:
                  address: 127.0.0.1:0
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                      virtual_hosts:
                        - name: default
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/" }
                              route: { cluster: backend, timeout: 5s %s}
                clusters:
                  - name: backend
                    connect_timeout: 1s
                    endpoints:
                      - address: %s
                """
                .formatted(routeExtra, upstreamAddress);
    }

    @Override
    public void close() {
        server.close();
    }
}
