package io.weir.kernel.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import org.junit.jupiter.api.Test;

class ProxySmokeIntegrationTest {
    @Test
    void proxiesGetAndReusesTheUpstreamConnection() throws Exception {
        try (TestUpstream up = new TestUpstream("a");
                Weir weir = Weir.start(Weir.simple(up.address(), ""));
                RawClient c = new RawClient(weir.port())) {
            for (int i = 0; i < 5; i++) {
                c.send("GET /hello?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
                RawClient.Response r = c.read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).contains("uri=/hello?x=1").contains("h:host=example.com");
                assertThat(r.body()).contains("h:x-forwarded-for=127.0.0.1");
                assertThat(r.body()).contains("h:x-request-id=");
            }
            assertThat(up.connections()).isEqualTo(1);
        }
    }
}
