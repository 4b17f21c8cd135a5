package io.weir.examples.addheader;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.Body;
import io.weir.spi.HttpFilter;
import io.weir.spi.testkit.FilterHarness;
import io.weir.spi.testkit.StreamRun;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AddHeaderFilterTest {
    private final FilterHarness h =
            FilterHarness.of(
                    new AddHeaderFilterFactory(), Map.of("header", "x-env", "value", "prod"));

    @Test
    void addsTheHeaderToTheUpstreamRequestAndTheResponse() {
        StreamRun r = h.request("POST", "/orders").body("{}").send();

        assertThat(r.forwarded()).isTrue();
        assertThat(r.upstreamHeaders().get("x-env")).isEqualTo("prod");
        assertThat(r.upstreamBody()).isEqualTo("{}");

        r.respond(200).header("content-type", "text/plain").body("ok").send();

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.responseHeaders().get("x-env")).isEqualTo("prod");
        assertThat(r.responseBody()).isEqualTo("ok");
        assertThat(r.destroyed()).isTrue();
    }

    @Test
    void replacesAValueTheClientOrUpstreamSent() {
        StreamRun r = h.request("GET", "/").header("x-env", "forged").header("X-Env", "two").send();
        assertThat(r.upstreamHeaders().getAll("x-env")).containsExactly("prod");

        r.respond(204).header("x-env", "upstream").send();
        assertThat(r.responseHeaders().getAll("x-env")).containsExactly("prod");
    }

    @Test
    void aRouteOverrideAppliesToItsStreamsOnly() {
        StreamRun canary =
                h.request("GET", "/canary/")
                        .routeConfig(Map.of("header", "x-env", "value", "canary"))
                        .send();
        StreamRun plain = h.request("GET", "/").send();

        assertThat(canary.upstreamHeaders().get("x-env")).isEqualTo("canary");
        assertThat(plain.upstreamHeaders().get("x-env")).isEqualTo("prod");
    }

    @Test
    void neverPausesOrAnswers() {
        StreamRun r = h.request("GET", "/").send();
        assertThat(r.requestPaused()).isFalse();
        assertThat(r.localReply()).isNull();
        assertThat(h.calls()).isEmpty();
    }

    @Test
    void implementsOnlyTheHeaderCallbacksSoBodiesCostNothing() throws Exception {
        for (String body : new String[] {"onRequestBody", "onResponseBody"}) {
            assertThat(
                            AddHeaderFilter.class
                                    .getMethod(body, Body.class, boolean.class)
                                    .getDeclaringClass())
                    .isEqualTo(HttpFilter.class);
        }
    }
}
