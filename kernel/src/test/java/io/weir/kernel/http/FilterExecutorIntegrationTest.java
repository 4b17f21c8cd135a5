package io.weir.kernel.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import io.weir.spi.FilterStatus;
import io.weir.spi.Headers;
import io.weir.spi.HttpFilter;
import io.weir.spi.StreamContext;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * SPI 1.1 through a real proxy: {@code executor()} brings a result computed on another thread back
 * to the stream's worker, and {@code addResponseFlag} records a flag without ending the request.
 */
class FilterExecutorIntegrationTest {
    static final List<String> SEEN = new CopyOnWriteArrayList<>();

    /** Pauses; a thread of its own adds a header and continues through ctx.executor(). */
    static HttpFilter offThread(StreamContext ctx) {
        return new HttpFilter() {
            @Override
            public FilterStatus onRequestHeaders(Headers h, boolean eos) {
                Thread worker = Thread.currentThread();
                Thread t =
                        new Thread(
                                () ->
                                        ctx.executor()
                                                .execute(
                                                        () -> {
                                                            SEEN.add(
                                                                    "on worker: "
                                                                            + (Thread
                                                                                            .currentThread()
                                                                                    == worker));
                                                            h.add("x-from", "other-thread");
                                                            ctx.addResponseFlag("DI");
                                                            ctx.addResponseFlag("NOPE");
                                                            ctx.continueRequest();
                                                        }));
                t.start();
                return FilterStatus.STOP;
            }

            @Override
            public void onLog() {
                SEEN.add("flags: " + ctx.property("response.flags"));
            }
        };
    }

    static final FilterRegistry REGISTRY =
            FilterRegistry.of(
                    Map.of(
                            "test.off_thread",
                            FilterChainIntegrationTest.factory(
                                    "test.off_thread", FilterExecutorIntegrationTest::offThread)));

    @Test
    void aTaskPostedFromAnotherThreadRunsOnTheWorkerAndTheFlagIsRecorded() throws Exception {
        SEEN.clear();
        try (TestUpstream up = new TestUpstream("up");
                Weir w =
                        Weir.start(
                                FilterChainIntegrationTest.yaml(
                                        up.address(),
                                        up.address(),
                                        "        - name: test.off_thread",
                                        ""),
                                1,
                                REGISTRY)) {
            RawClient.Response r = FilterChainIntegrationTest.get(w, "/x", "");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.body()).contains("h:x-from=other-thread\n");
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (SEEN.size() < 2 && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // onLog runs on the worker after the response
            }
            assertThat(SEEN).containsExactly("on worker: true", "flags: DI");
        }
    }
}
