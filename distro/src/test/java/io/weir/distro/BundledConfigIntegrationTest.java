package io.weir.distro;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.config.ConfigLoader;
import io.weir.kernel.config.WeirConfig;
import io.weir.kernel.server.ServerOptions;
import io.weir.kernel.server.WeirServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The config users copy first, conf/weir.yaml, really works: a request to the ingress listener is
 * proxied to the demo upstream that Weir serves itself, and the admin's /quitquitquit stops it.
 */
class BundledConfigIntegrationTest {
    static final String DEMO_BODY = "hello from weir's demo upstream\n";

    final HttpClient http =
            HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();

    @TempDir Path dir;

    @Test
    void ingressProxiesToTheDemoUpstreamAndQuitQuitQuitStopsTheServer() throws Exception {
        WeirConfig config = ConfigLoader.load(bundledConfigOnFreePorts(), Set.of());

        try (WeirServer server = new WeirServer(config, new ServerOptions(2, false))) {
            server.start();
            InetSocketAddress ingress = server.listenerAddresses().get("ingress");
            InetSocketAddress demo = server.listenerAddresses().get("demo_upstream");
            assertThat(ingress).isNotNull();
            assertThat(demo).isNotNull();

            HttpResponse<String> proxied = get(ingress, "/");
            assertThat(proxied.statusCode()).isEqualTo(200);
            assertThat(proxied.body()).isEqualTo(DEMO_BODY);
            assertThat(proxied.headers().allValues("x-weir-demo")).containsExactly("true");

            HttpResponse<String> other = get(ingress, "/any/path?q=1");
            assertThat(other.statusCode()).isEqualTo(200);
            assertThat(other.body()).isEqualTo(DEMO_BODY);

            // the header is added by the ingress virtual host, not by the upstream
            HttpResponse<String> direct = get(demo, "/");
            assertThat(direct.statusCode()).isEqualTo(200);
            assertThat(direct.body()).isEqualTo(DEMO_BODY);
            assertThat(direct.headers().firstValue("x-weir-demo")).isEmpty();

            assertThat(server.terminated()).isNotDone();
            HttpResponse<String> quit =
                    http.send(
                            HttpRequest.newBuilder(uri(server.adminAddress(), "/quitquitquit"))
                                    .POST(HttpRequest.BodyPublishers.noBody())
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(quit.statusCode()).isEqualTo(200);
            server.terminated().get(20, TimeUnit.SECONDS);
        }
    }

    /**
     * A copy of conf/weir.yaml on ports no one else uses. The ingress and admin listeners bind port
     * 0; the demo upstream needs a port known in advance because the {@code demo} cluster names it,
     * so it gets one picked by binding and closing a socket (a small race, fine here).
     */
    private Path bundledConfigOnFreePorts() throws IOException {
        String yaml =
                Files.readString(
                        Path.of(System.getProperty("weir.test.bundledConfig")),
                        StandardCharsets.UTF_8);
        int demoPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            demoPort = s.getLocalPort();
        }
        String rewritten = replaceAll(yaml, "address: 127.0.0.1:10000", "address: 127.0.0.1:0", 1);
        rewritten = replaceAll(rewritten, "address: 127.0.0.1:9901", "address: 127.0.0.1:0", 1);
        // the demo_upstream listener and the demo cluster's endpoint
        rewritten =
                replaceAll(
                        rewritten, "address: 127.0.0.1:10001", "address: 127.0.0.1:" + demoPort, 2);
        return Files.writeString(dir.resolve("weir.yaml"), rewritten);
    }

    /** Replaces {@code from}, checking it occurs exactly {@code times} times. */
    private static String replaceAll(String text, String from, String to, int times) {
        int count = text.split(Pattern.quote(from), -1).length - 1;
        assertThat(count).as("occurrences of \"%s\" in conf/weir.yaml", from).isEqualTo(times);
        return text.replace(from, to);
    }

    private HttpResponse<String> get(InetSocketAddress address, String path)
            throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(uri(address, path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(InetSocketAddress address, String path) {
        return URI.create(Main.url(address, true) + path);
    }
}
