package io.weir.kernel.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.kernel.config.ConfigLoader;
import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.config.FilterSource;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import io.weir.spi.ConfigNode;
import io.weir.spi.Metrics;
import io.weir.spi.tracing.TraceSpan;
import io.weir.spi.tracing.Tracer;
import io.weir.spi.tracing.TracerProvider;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** How the kernel finds, starts and avoids a tracer (the kernel's tests have no tracer module). */
class TracingStartupIntegrationTest {
    static final String TRACING =
            """
            tracing:
              exporter: { otlp: { protocol: http } }
            """;

    /** Counts every call; its tracer must never be reached when tracing is off. */
    static final class CountingProvider implements TracerProvider {
        final AtomicInteger creates = new AtomicInteger();
        final AtomicInteger spans = new AtomicInteger();
        String error;

        @Override
        public String name() {
            return "counting";
        }

        @Override
        public Tracer create(ConfigNode config, Metrics metrics) {
            creates.incrementAndGet();
            if (error != null) {
                config.get("exporter").error(error);
                return null;
            }
            return new Tracer() {
                @Override
                public TraceSpan startServerSpan(String name, io.weir.spi.tracing.HeaderReader h) {
                    spans.incrementAndGet();
                    throw new UnsupportedOperationException("not in this test");
                }

                @Override
                public void close() {}
            };
        }
    }

    static WeirServer server(String yaml, TracerProvider p) throws Exception {
        WeirServer s =
                new WeirServer(
                        ConfigLoader.parse(
                                yaml, Path.of("."), FilterSource.fixed(FilterRegistry.EMPTY)),
                        FilterRegistry.EMPTY,
                        new ServerOptions(1, false));
        if (p != null) {
            s.useTracerProvider(p);
        }
        return s;
    }

    /**
     * Starts Weir on {@code yaml(upstream address)} with {@code p}, sends one request that must get
     * a 200, stops Weir and returns its tracer.
     */
    static Tracer serveOne(java.util.function.UnaryOperator<String> yaml, CountingProvider p)
            throws Exception {
        try (TestUpstream up = new TestUpstream()) {
            WeirServer s = server(yaml.apply(up.address()), p);
            try {
                s.start();
                int port = s.listenerAddresses().values().iterator().next().getPort();
                try (RawClient c = new RawClient(port)) {
                    c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
                    assertThat(c.read().status()).isEqualTo(200);
                }
                return s.tracer();
            } finally {
                s.close();
            }
        }
    }

    @Test
    void withoutTracingTheTracerIsNeverMadeNorCalled() throws Exception {
        CountingProvider p = new CountingProvider();
        assertThat(serveOne(up -> Weir.simple(up, ""), p)).isNull();
        assertThat(p.creates).hasValue(0);
        assertThat(p.spans).hasValue(0);
    }

    @Test
    void tracingWithoutATracerOnTheClassPathIsAStartupError() throws Exception {
        WeirServer s = server(Weir.simple("127.0.0.1:9", "") + TRACING, null);
        assertThatThrownBy(s::start)
                .isInstanceOf(StartupException.class)
                .hasMessage(
                        "tracing: no tracer implementation on the class path (the weir-tracing"
                                + " module provides one)");
    }

    @Test
    void errorsTheTracerReportsStopTheStartWithTheirPath() throws Exception {
        CountingProvider p = new CountingProvider();
        p.error = "exporter unavailable";
        WeirServer s = server(Weir.simple("127.0.0.1:9", "") + TRACING, p);
        assertThatThrownBy(s::start)
                .isInstanceOf(StartupException.class)
                .hasMessage("tracing.exporter: exporter unavailable");
        assertThat(p.creates).hasValue(1);
    }

    /** {@link Weir#simple} with {@code http.tracing} set to {@code block} on its listener. */
    static String withListenerTracing(String upstream, String block) {
        return Weir.simple(upstream, "")
                        .replace("    http:\n", "    http:\n      tracing: " + block + "\n")
                + TRACING;
    }

    @Test
    void aListenerWithTracingOffNeverCallsTheTracer() throws Exception {
        CountingProvider p = new CountingProvider();
        assertThat(serveOne(up -> withListenerTracing(up, "{ enabled: false }"), p)).isNotNull();
        assertThat(p.creates).hasValue(1);
        assertThat(p.spans).hasValue(0);
    }

    @Test
    void aListenersSamplingWithATracerThatCannotIsAStartupErrorNamingTheListener()
            throws Exception {
        CountingProvider p = new CountingProvider();
        WeirServer s = server(withListenerTracing("127.0.0.1:9", "{ sampling: 0.5 }"), p);
        assertThatThrownBy(s::start)
                .isInstanceOf(StartupException.class)
                .hasMessageStartingWith(
                        "listeners[0].http.tracing.sampling: the tracer cannot sample per"
                                + " listener (")
                .hasMessageContaining("cannot sample per listener)");
    }
}
