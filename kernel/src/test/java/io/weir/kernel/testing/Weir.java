package io.weir.kernel.testing;

import io.weir.kernel.config.ConfigLoader;
import io.weir.kernel.server.ServerOptions;
import io.weir.kernel.server.WeirServer;
import java.nio.file.Path;
import java.util.Set;

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
        WeirServer s =
                new WeirServer(
                        ConfigLoader.parse(yaml, Path.of("."), Set.of()),
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
