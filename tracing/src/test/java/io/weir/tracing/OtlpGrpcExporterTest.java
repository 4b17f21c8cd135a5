package io.weir.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The OTLP/gRPC exporter's connection settings (its exports are tested end to end in distro). */
class OtlpGrpcExporterTest {

    /**
     * An export is many HTTP/2 frames and then a read: with Nagle's algorithm on, the last short
     * frame waits for the collector's delayed ACK (about 40 ms an export, which dropped spans under
     * load). The client's sockets must have TCP_NODELAY.
     */
    @Test
    void theClientsConnectionsHaveTcpNoDelay() throws Exception {
        OtlpGrpcExporter e =
                new OtlpGrpcExporter(
                        "http://127.0.0.1:4317",
                        Duration.ofSeconds(1),
                        Resource.getDefault(),
                        InstrumentationScopeInfo.create("io.weir"));
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket s = e.client.socketFactory().createSocket()) {
            s.connect(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
            assertThat(s.getTcpNoDelay()).isTrue();
            try (Socket s2 =
                    e.client
                            .socketFactory()
                            .createSocket(
                                    InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                assertThat(s2.getTcpNoDelay()).isTrue();
            }
        } finally {
            e.shutdown();
        }
    }
}
