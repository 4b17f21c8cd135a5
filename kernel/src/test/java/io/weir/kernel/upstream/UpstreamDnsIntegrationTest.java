package io.weir.kernel.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NettyLeakCheck.class)
class UpstreamDnsIntegrationTest {

    @Test
    void resolvesAnEndpointGivenByNameAndPrefersItsIpv4Address() throws Exception {
        try (TestUpstream up = new TestUpstream("by-name");
                Weir weir = Weir.start(Weir.simple("localhost:" + up.port(), ""))) {
            // the first answer arrives asynchronously: /ready says LIVE once every cluster has
            // hosts
            long deadline = System.nanoTime() + 5_000_000_000L;
            RawClient.Response ready = weir.admin("GET", "/ready");
            while (ready.status() != 200 && System.nanoTime() < deadline) {
                Thread.yield();
                ready = weir.admin("GET", "/ready");
            }
            assertThat(ready.status()).isEqualTo(200);
            assertThat(weir.admin("GET", "/clusters").body())
                    .contains("backend::127.0.0.1:" + up.port() + "::health_flags::healthy")
                    .doesNotContain("::1:");
            try (RawClient c = new RawClient(weir.port())) {
                for (int i = 0; i < 10; i++) {
                    c.send("GET /dns HTTP/1.1\r\nHost: x\r\n\r\n");
                    RawClient.Response r = c.read();
                    assertThat(r.status()).isEqualTo(200);
                    assertThat(r.body()).contains("name=by-name");
                }
            }
        }
    }
}
