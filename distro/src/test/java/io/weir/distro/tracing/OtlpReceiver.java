package io.weir.distro.tracing;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.weir.distro.tracing.ReceivedSpans.Received;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An OTLP/HTTP trace receiver on {@code /v1/traces}: decodes each {@code ExportTraceServiceRequest}
 * and keeps its spans ({@link ReceivedSpans}). {@link #slow()} makes it hold every request without
 * answering until closed.
 */
final class OtlpReceiver implements AutoCloseable {
    private final HttpServer server;
    private final ReceivedSpans spans = new ReceivedSpans();
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean slow;

    OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext(
                "/v1/traces",
                ex -> {
                    byte[] body = ex.getRequestBody().readAllBytes();
                    if (slow) {
                        try {
                            release.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        ex.close();
                        return;
                    }
                    spans.add(ExportTraceServiceRequest.parseFrom(body));
                    byte[] out = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                    ex.getResponseHeaders().add("content-type", "application/x-protobuf");
                    ex.sendResponseHeaders(200, out.length == 0 ? -1 : out.length);
                    ex.getResponseBody().write(out);
                    ex.close();
                });
        server.start();
    }

    OtlpReceiver slow() {
        slow = true;
        return this;
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces";
    }

    /** The spans of {@code traceId} once there are at least {@code n} (waits up to 10 s). */
    List<Received> awaitTrace(String traceId, int n) throws InterruptedException {
        return spans.awaitTrace(traceId, n);
    }

    List<Received> trace(String traceId) {
        return spans.trace(traceId);
    }

    List<Received> all() {
        return spans.all();
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
