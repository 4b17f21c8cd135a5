package io.weir.kernel.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.kernel.config.ConfigLoader;
import io.weir.kernel.testing.NettyLeakCheck;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A port that cannot be bound fails start-up with a clear error and leaves nothing bound. */
@ExtendWith(NettyLeakCheck.class)
class StartupFailureIntegrationTest {

    private static String config(int listenerPort, int adminPort) {
        return """
                admin: { address: 127.0.0.1:%d }
                listeners:
                  - name: ingress
                    address: 127.0.0.1:%d
                    http:
                      virtual_hosts:
                        - name: default
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/" }
                              direct_response: { status: 200 }
                clusters: []
                """
                .formatted(adminPort, listenerPort);
    }

    private static WeirServer server(String yaml) throws Exception {
        return new WeirServer(
                ConfigLoader.parse(yaml, Path.of("."), Set.of()), new ServerOptions(2, false));
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void aListenerPortHeldByAnotherProcessFailsStartup() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            WeirServer s = server(config(port, 0));
            assertThatThrownBy(s::start)
                    .isInstanceOf(StartupException.class)
                    .hasMessageStartingWith(
                            "cannot bind listener \"ingress\" to 127.0.0.1:" + port + ": ");
            assertThat(s.terminated()).isDone();
        }
    }

    @Test
    void aSecondWeirOnTheSamePortFailsInsteadOfSharingItThroughReusePort() throws Exception {
        int port = freePort();
        WeirServer first = server(config(port, 0));
        first.start();
        try {
            WeirServer second = server(config(port, 0));
            assertThatThrownBy(second::start)
                    .isInstanceOf(StartupException.class)
                    .hasMessage(
                            "cannot bind listener \"ingress\" to 127.0.0.1:"
                                    + port
                                    + ": Address already in use");
            assertThat(second.terminated()).isDone();
        } finally {
            first.close();
        }
    }

    @Test
    void anAdminPortInUseFailsStartupAndReleasesTheListener() throws Exception {
        int listenerPort = freePort();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int adminPort = taken.getLocalPort();
            WeirServer s = server(config(listenerPort, adminPort));
            assertThatThrownBy(s::start)
                    .isInstanceOf(StartupException.class)
                    .hasMessageStartingWith(
                            "cannot bind admin listener to 127.0.0.1:" + adminPort + ": ");
            assertThat(s.terminated()).isDone();
        }
        // the listener bound before the failure was closed again
        try (ServerSocket again = new ServerSocket()) {
            again.bind(new java.net.InetSocketAddress("127.0.0.1", listenerPort));
            assertThat(again.isBound()).isTrue();
        }
    }
}
