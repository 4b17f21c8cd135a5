package io.weir.kernel.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The contract YAML, as written, proxies to a real upstream. */
@ExtendWith(NettyLeakCheck.class)
class ContractConfigIntegrationTest {

    @Test
    void theContractConfigProxiesToARealUpstream() throws Exception {
        try (TestUpstream up = new TestUpstream("backend")) {
            // only the addresses change: fixed ports could be taken on a test machine
            String yaml =
                    ConfigFixtures.CONTRACT
                            .replace("127.0.0.1:10000", "127.0.0.1:0")
                            .replace("127.0.0.1:9901", "127.0.0.1:0")
                            .replace("127.0.0.1:8080", up.address());
            assertThat(yaml).contains("lb_policy: round_robin").contains("timeout: 15s");
            try (Weir weir = Weir.start(yaml);
                    RawClient c = new RawClient(weir.port("ingress"))) {
                c.send("GET /anything?q=1 HTTP/1.1\r\nHost: shop.example\r\n\r\n");
                RawClient.Response r = c.read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("x-upstream")).isEqualTo("backend");
                assertThat(r.body()).contains("uri=/anything?q=1").contains("h:host=shop.example");
            }
        }
    }
}
