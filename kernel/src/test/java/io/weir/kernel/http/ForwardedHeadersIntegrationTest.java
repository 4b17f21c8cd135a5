package io.weir.kernel.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** x-forwarded-for, x-forwarded-proto and x-request-id as the upstream sees them. */
@ExtendWith(NettyLeakCheck.class)
class ForwardedHeadersIntegrationTest {
    private static final Pattern UUID_V4 =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

    private static TestUpstream up;
    private static Weir weir;

    @BeforeAll
    static void start() throws Exception {
        up = new TestUpstream("a");
        weir = Weir.start(Weir.simple(up.address(), ""));
    }

    @AfterAll
    static void stop() {
        weir.close();
        up.close();
    }

    private static String echo(String... headers) throws Exception {
        StringBuilder sb = new StringBuilder("GET /fwd HTTP/1.1\r\nHost: x\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        try (RawClient c = new RawClient(weir.port())) {
            c.send(sb.append("\r\n").toString());
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            return r.body();
        }
    }

    private static String requestId(String echo) {
        Matcher m = Pattern.compile("\nh:x-request-id=(.*)\n").matcher(echo);
        assertThat(m.find()).as("x-request-id in %s", echo).isTrue();
        String id = m.group(1);
        assertThat(echo.indexOf("h:x-request-id=", m.end()))
                .as("a single x-request-id")
                .isNegative();
        return id;
    }

    @Test
    void xForwardedForIsSetToTheClientAddress() throws Exception {
        assertThat(echo()).contains("\nh:x-forwarded-for=127.0.0.1\n");
    }

    @Test
    void xForwardedForIsAppendedToAnExistingValue() throws Exception {
        assertThat(echo("X-Forwarded-For: 203.0.113.7, 198.51.100.1"))
                .contains("\nh:x-forwarded-for=203.0.113.7, 198.51.100.1, 127.0.0.1\n");
    }

    @Test
    void severalXForwardedForFieldsAreCombinedBeforeAppending() throws Exception {
        String body = echo("X-Forwarded-For: 203.0.113.7", "X-Forwarded-For: 198.51.100.1");
        assertThat(body).contains("\nh:x-forwarded-for=203.0.113.7, 198.51.100.1, 127.0.0.1\n");
        assertThat(body.split("h:x-forwarded-for=", -1)).hasSize(2);
    }

    @Test
    void xForwardedProtoIsSetByWeirNotTakenFromAnUntrustedClient() throws Exception {
        assertThat(echo()).contains("\nh:x-forwarded-proto=http\n");
        // xff_num_trusted_hops is 0: the client's claim is replaced
        String body = echo("X-Forwarded-Proto: https");
        assertThat(body).contains("\nh:x-forwarded-proto=http\n").doesNotContain("=https");
    }

    @Test
    void xForwardedProtoFromATrustedHopIsKept() throws Exception {
        try (TestUpstream up2 = new TestUpstream("b");
                Weir trusting =
                        Weir.start(
                                Weir.simple(up2.address(), "")
                                        .replace(
                                                "    http:\n",
                                                "    http:\n      xff_num_trusted_hops: 1\n"));
                RawClient c = new RawClient(trusting.port())) {
            c.send("GET /x HTTP/1.1\r\nHost: x\r\nX-Forwarded-Proto: https\r\n\r\n");
            assertThat(c.read().body())
                    .contains("\nh:x-forwarded-proto=https\n")
                    .doesNotContain("=http\n");
            c.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().body()).contains("\nh:x-forwarded-proto=http\n");
        }
    }

    @Test
    void anIncomingRequestIdIsKept() throws Exception {
        assertThat(requestId(echo("X-Request-Id: abc-123"))).isEqualTo("abc-123");
    }

    @Test
    void aMissingRequestIdIsGeneratedAsAUuidV4() throws Exception {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            String id = requestId(echo());
            assertThat(id).matches(UUID_V4);
            ids.add(id);
        }
        assertThat(ids).hasSize(20);
    }

    @Test
    void requestIdGenerationCanBeTurnedOff() throws Exception {
        try (TestUpstream up2 = new TestUpstream("b");
                Weir off =
                        Weir.start(
                                Weir.simple(up2.address(), "")
                                        .replace(
                                                "    http:\n",
                                                "    http:\n      generate_request_id: false\n"));
                RawClient c = new RawClient(off.port())) {
            c.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().body()).doesNotContain("x-request-id");
        }
    }
}
