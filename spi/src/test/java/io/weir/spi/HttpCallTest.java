package io.weir.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpCallTest {
    @Test
    void requestNeedsAMethod() {
        assertThatThrownBy(() -> new HttpCallRequest(null, "/", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("method is required");
        assertThatThrownBy(() -> new HttpCallRequest("", "/", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("method is required");
    }

    @Test
    void requestPathMustStartWithASlash() {
        assertThatThrownBy(() -> HttpCallRequest.get("users/1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("path must start with / (was users/1)");
        assertThatThrownBy(() -> HttpCallRequest.get(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("path must start with / (was null)");
        assertThatThrownBy(() -> HttpCallRequest.get(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("path must start with / (was )");
    }

    @Test
    void getHasNoAuthorityHeadersOrBody() {
        HttpCallRequest r = HttpCallRequest.get("/allow/alice?x=1");
        assertThat(r.method()).isEqualTo("GET");
        assertThat(r.path()).isEqualTo("/allow/alice?x=1");
        assertThat(r.authority()).isNull();
        assertThat(r.headers()).isEmpty();
        assertThat(r.body()).isNull();
    }

    @Test
    void withHeaderAppendsAndLeavesTheOriginalAlone() {
        HttpCallRequest a = HttpCallRequest.get("/");
        HttpCallRequest b = a.withHeader("x-a", "1").withHeader("x-a", "2");
        assertThat(a.headers()).isEmpty();
        assertThat(b.headers()).containsExactly(Map.entry("x-a", "1"), Map.entry("x-a", "2"));
    }

    @Test
    void requestCopiesTheBodyItIsGiven() {
        byte[] body = "abc".getBytes(StandardCharsets.UTF_8);
        HttpCallRequest r = new HttpCallRequest("POST", "/", "auth", List.of(), body);
        body[0] = 'X';
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("abc");
    }

    @Test
    void failedResponseHasNoStatusAndAnEmptyBody() {
        HttpCallResponse r = HttpCallResponse.failed("timeout");
        assertThat(r.ok()).isFalse();
        assertThat(r.status()).isZero();
        assertThat(r.failure()).isEqualTo("timeout");
        assertThat(r.body()).isEmpty();
        assertThat(r.bodyText()).isEmpty();
    }

    @Test
    void responseOfAnyStatusIsOk() {
        HttpCallResponse r =
                new HttpCallResponse(
                        503,
                        List.of(Map.entry("content-type", "text/plain"), Map.entry("x-a", "1")),
                        "down".getBytes(StandardCharsets.UTF_8),
                        null);
        assertThat(r.ok()).isTrue();
        assertThat(r.header("Content-Type")).isEqualTo("text/plain");
        assertThat(r.header("x-missing")).isNull();
        assertThat(r.bodyText()).isEqualTo("down");
        assertThat(new HttpCallResponse(200, null, null, null).body()).isEmpty();
    }
}
