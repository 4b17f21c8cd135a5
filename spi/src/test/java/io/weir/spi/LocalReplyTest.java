package io.weir.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalReplyTest {
    @Test
    void statusMustBe200To599() {
        assertThatThrownBy(() -> LocalReply.status(199).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("local reply status must be 200..599 (was 199)");
        assertThatThrownBy(() -> new LocalReply(600, null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("local reply status must be 200..599 (was 600)");
        assertThat(new LocalReply(200, null, null, null, null).status()).isEqualTo(200);
        assertThat(new LocalReply(599, null, null, null, null).status()).isEqualTo(599);
    }

    @Test
    void builderKeepsHeadersInOrder() {
        LocalReply r =
                LocalReply.status(429)
                        .body("slow down")
                        .header("retry-after", "1")
                        .header("x-a", "b")
                        .details("local_rate_limited")
                        .responseFlag("RL")
                        .build();
        assertThat(r)
                .isEqualTo(
                        new LocalReply(
                                429,
                                "slow down",
                                List.of(Map.entry("retry-after", "1"), Map.entry("x-a", "b")),
                                "local_rate_limited",
                                "RL"));
    }

    @Test
    void headersAreCopiedAndImmutable() {
        List<Map.Entry<String, String>> h = new ArrayList<>(List.of(Map.entry("a", "1")));
        LocalReply r = new LocalReply(403, null, h, null, null);
        h.add(Map.entry("b", "2"));
        assertThat(r.headers()).containsExactly(Map.entry("a", "1"));
        assertThatThrownBy(() -> r.headers().add(Map.entry("c", "3")))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(new LocalReply(403, null, null, null, null).headers()).isEmpty();
    }

    @Test
    void shorthandOnTheStreamContextBuildsTheSameReply() {
        LocalReply[] sent = new LocalReply[1];
        StreamContext ctx =
                (StreamContext)
                        java.lang.reflect.Proxy.newProxyInstance(
                                getClass().getClassLoader(),
                                new Class<?>[] {StreamContext.class},
                                (proxy, method, args) -> {
                                    if (method.getName().equals("sendLocalReply")
                                            && args.length == 1) {
                                        sent[0] = (LocalReply) args[0];
                                        return null;
                                    }
                                    if (method.isDefault()) {
                                        return java.lang.reflect.InvocationHandler.invokeDefault(
                                                proxy, method, args);
                                    }
                                    throw new UnsupportedOperationException(method.getName());
                                });
        ctx.sendLocalReply(401, "who are you", List.of(Map.entry("www-authenticate", "x")), "d");
        assertThat(sent[0])
                .isEqualTo(
                        new LocalReply(
                                401,
                                "who are you",
                                List.of(Map.entry("www-authenticate", "x")),
                                "d",
                                null));
    }
}
