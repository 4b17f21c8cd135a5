package io.weir.filters.headermutation;

import static io.weir.spi.testkit.FilterHarness.configErrors;
import static io.weir.spi.testkit.FilterHarness.parseConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeaderMutationConfigTest {
    private final HeaderMutationFilterFactory factory = new HeaderMutationFilterFactory();

    private static Map<String, Object> entry(String name, Object value) {
        return Map.of("name", name, "value", value);
    }

    private static Map<String, Object> request(String op, Object list) {
        return Map.of("request", Map.of(op, list));
    }

    @Test
    void bindsEveryOperationOfBothDirectionsLowerCasingTheNames() {
        Object raw =
                Map.of(
                        "request",
                        Map.of(
                                "add", List.of(entry("X-Client", "%CLIENT_IP%")),
                                "set", List.of(entry("x-route", "%ROUTE_NAME%")),
                                "remove", List.of("X-Internal-Secret"),
                                "rename", List.of(Map.of("from", "x-old", "to", "X-New"))),
                        "response",
                        Map.of("set", List.of(entry("x-served-by", "weir"))));

        HeaderMutationConfig c = (HeaderMutationConfig) parseConfig(factory, raw);

        assertThat(c.request())
                .isEqualTo(
                        new Mutations(
                                List.of("x-internal-secret"),
                                List.of(new Mutations.Rename("x-old", "x-new")),
                                List.of(
                                        new Mutations.Entry(
                                                "x-route", Template.literal("%ROUTE_NAME%"))),
                                List.of(
                                        new Mutations.Entry(
                                                "x-client", Template.literal("%CLIENT_IP%")))));
        assertThat(c.request().add().get(0).value().isLiteral()).isFalse();
        assertThat(c.response().set())
                .singleElement()
                .satisfies(
                        e -> {
                            assertThat(e.name()).isEqualTo("x-served-by");
                            assertThat(e.value().isLiteral()).isTrue();
                        });
        assertThat(c.response().remove()).isEmpty();
    }

    @Test
    void anAbsentOrEmptyBlockMutatesNothing() {
        HeaderMutationConfig none = (HeaderMutationConfig) parseConfig(factory, null);
        assertThat(none.request().isEmpty()).isTrue();
        assertThat(none.response().isEmpty()).isTrue();
        assertThat(configErrors(factory, Map.of("request", Map.of()))).isEmpty();
    }

    @Test
    void rejectsUnknownKeysAtEachLevel() {
        assertThat(configErrors(factory, Map.of("requests", Map.of())))
                .containsExactly(
                        "config.requests: unknown key (expected one of: request, response)");
        assertThat(configErrors(factory, Map.of("response", Map.of("append", List.of()))))
                .containsExactly(
                        "config.response.append: unknown key (expected one of: remove, rename,"
                                + " set, add)");
        assertThat(
                        configErrors(
                                factory,
                                request("add", List.of(Map.of("name", "x-a", "val", "1")))))
                .containsExactly(
                        "config.request.add[0].val: unknown key (expected one of: name, value)",
                        "config.request.add[0].value: is required");
        assertThat(configErrors(factory, request("rename", List.of(Map.of("from", "x-a")))))
                .containsExactly("config.request.rename[0].to: is required");
    }

    @Test
    void rejectsWrongShapes() {
        assertThat(configErrors(factory, List.of()))
                .containsExactly("config: expected a map (was a list)");
        assertThat(configErrors(factory, request("remove", "x-a")))
                .containsExactly("config.request.remove: expected a list (was \"x-a\")");
        assertThat(configErrors(factory, request("add", List.of("x-a"))))
                .containsExactly("config.request.add[0]: expected a map (was \"x-a\")");
        assertThat(configErrors(factory, request("set", List.of(entry("x-a", 5)))))
                .containsExactly("config.request.set[0].value: expected a string (was 5)");
        assertThat(configErrors(factory, request("set", List.of(entry("x-a", "")))))
                .containsExactly("config.request.set[0].value: must not be empty");
    }

    @Test
    void rejectsNamesThatAreNotTokens() {
        assertThat(configErrors(factory, request("add", List.of(entry("x a", "1")))))
                .containsExactly(
                        "config.request.add[0].name: invalid header name \"x a\" (expected an"
                                + " HTTP token)");
        assertThat(configErrors(factory, request("remove", List.of("x:a"))))
                .containsExactly(
                        "config.request.remove[0]: invalid header name \"x:a\" (expected an HTTP"
                                + " token)");
    }

    @Test
    void rejectsPseudoHeadersInEveryOperation() {
        assertThat(configErrors(factory, request("set", List.of(entry(":path", "/admin")))))
                .containsExactly(
                        "config.request.set[0].name: cannot modify pseudo-header \":path\"");
        assertThat(configErrors(factory, request("remove", List.of(":Authority"))))
                .containsExactly(
                        "config.request.remove[0]: cannot modify pseudo-header \":authority\"");
        assertThat(
                        configErrors(
                                factory,
                                Map.of(
                                        "response",
                                        Map.of(
                                                "rename",
                                                List.of(
                                                        Map.of(
                                                                "from",
                                                                ":status",
                                                                "to",
                                                                "x-status"))))))
                .containsExactly(
                        "config.response.rename[0].from: cannot modify pseudo-header \":status\"");
    }

    @Test
    void rejectsHopByHopAndFramingHeaders() {
        for (String h :
                List.of(
                        "connection",
                        "Keep-Alive",
                        "proxy-connection",
                        "transfer-encoding",
                        "upgrade",
                        "te",
                        "content-length")) {
            assertThat(configErrors(factory, request("add", List.of(entry(h, "1")))))
                    .as(h)
                    .containsExactly(
                            "config.request.add[0].name: cannot modify hop-by-hop or framing"
                                    + " header \""
                                    + h.toLowerCase(java.util.Locale.ROOT)
                                    + "\"");
        }
        assertThat(
                        configErrors(
                                factory,
                                request(
                                        "rename",
                                        List.of(Map.of("from", "x-up", "to", "upgrade")))))
                .containsExactly(
                        "config.request.rename[0].to: cannot modify hop-by-hop or framing header"
                                + " \"upgrade\"");
    }

    @Test
    void hostMayBeSetButNotAddedRemovedOrRenamed() {
        assertThat(configErrors(factory, request("set", List.of(entry("host", "a.example")))))
                .isEmpty();
        assertThat(configErrors(factory, request("add", List.of(entry("Host", "a.example")))))
                .containsExactly(
                        "config.request.add[0].name: cannot add \"host\" (only set may change it)");
        assertThat(configErrors(factory, request("remove", List.of("host"))))
                .containsExactly(
                        "config.request.remove[0]: cannot remove \"host\" (only set may change it)");
        assertThat(
                        configErrors(
                                factory,
                                request("rename", List.of(Map.of("from", "x-host", "to", "host")))))
                .containsExactly(
                        "config.request.rename[0].to: cannot rename \"host\" (only set may change"
                                + " it)");
    }

    @Test
    void rejectsValuesWithCrLfOrNul() {
        assertThat(configErrors(factory, request("add", List.of(entry("x-a", "1\r\nx-evil: 1")))))
                .containsExactly("config.request.add[0].value: must not contain CR, LF or NUL");
        assertThat(configErrors(factory, request("set", List.of(entry("x-a", "a\0b")))))
                .containsExactly("config.request.set[0].value: must not contain CR, LF or NUL");
    }

    @Test
    void rejectsAnUnknownPlaceholderNamingItAndTheValue() {
        assertThat(configErrors(factory, request("add", List.of(entry("x-a", "id=%REQUEST%;")))))
                .containsExactly(
                        "config.request.add[0].value: unknown placeholder \"%REQUEST%\" in"
                                + " \"id=%REQUEST%;\" (expected %REQUEST_ID%, %CLIENT_IP%,"
                                + " %DOWNSTREAM_REMOTE_ADDRESS%, %ROUTE_NAME%, %UPSTREAM_CLUSTER%,"
                                + " %REQ(header-name)%, %START_TIME%, or %% for a literal %)");
        assertThat(configErrors(factory, request("add", List.of(entry("x-a", "%client_ip%")))))
                .singleElement()
                .asString()
                .startsWith(
                        "config.request.add[0].value: unknown placeholder \"%client_ip%\" in"
                                + " \"%client_ip%\"");
    }

    @Test
    void rejectsAnUnterminatedPercent() {
        assertThat(configErrors(factory, request("set", List.of(entry("x-off", "50% off")))))
                .containsExactly(
                        "config.request.set[0].value: unterminated \"%\" in \"50% off\" (write %%"
                                + " for a literal %)");
        assertThat(configErrors(factory, request("set", List.of(entry("x-off", "50%% off")))))
                .isEmpty();
    }

    @Test
    void rejectsAReqPlaceholderWithABadHeaderName() {
        assertThat(configErrors(factory, request("add", List.of(entry("x-a", "%REQ(x y)%")))))
                .containsExactly(
                        "config.request.add[0].value: invalid header name \"x y\" in"
                                + " \"%REQ(x y)%\" (expected an HTTP token or :authority, :method,"
                                + " :path, :scheme)");
        assertThat(configErrors(factory, request("add", List.of(entry("x-a", "%REQ()%")))))
                .containsExactly(
                        "config.request.add[0].value: invalid header name \"\" in \"%REQ()%\""
                                + " (expected an HTTP token or :authority, :method, :path,"
                                + " :scheme)");
        assertThat(configErrors(factory, request("add", List.of(entry("x-a", "%REQ(:path)%")))))
                .isEmpty();
    }

    @Test
    void rejectsTheSameHeaderSetTwiceButAllowsAddingItTwice() {
        assertThat(
                        configErrors(
                                factory,
                                request("set", List.of(entry("x-a", "1"), entry("X-A", "2")))))
                .containsExactly(
                        "config.request.set[1].name: duplicate header \"x-a\" (also"
                                + " config.request.set[0])");
        assertThat(
                        configErrors(
                                factory,
                                request("add", List.of(entry("x-a", "1"), entry("x-a", "2")))))
                .isEmpty();
    }

    @Test
    void rejectsARenameOntoItself() {
        assertThat(
                        configErrors(
                                factory,
                                request("rename", List.of(Map.of("from", "x-a", "to", "X-A")))))
                .containsExactly(
                        "config.request.rename[0].to: must differ from \"from\" (was \"x-a\")");
    }

    @Test
    void reportsEveryErrorOfTheBlockTogether() {
        Object raw =
                Map.of(
                        "request",
                        Map.of(
                                "remove", List.of(":path"),
                                "add", List.of(entry("x-a", "%NOPE%"))),
                        "response",
                        Map.of("set", List.of(entry("connection", "close"))));
        assertThat(configErrors(factory, raw))
                .hasSize(3)
                .anySatisfy(e -> assertThat(e).startsWith("config.request.remove[0]: "))
                .anySatisfy(e -> assertThat(e).startsWith("config.request.add[0].value: "))
                .anySatisfy(e -> assertThat(e).startsWith("config.response.set[0].name: "));
    }

    @Test
    void theRecordsRefuseWhatTheConfigRefuses() {
        assertThatThrownBy(() -> new Mutations.Rename("x-a", "x-a"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rename from and to are both x-a");
        assertThatThrownBy(() -> new HeaderMutationConfig(null, Mutations.NONE))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("request");
    }
}
