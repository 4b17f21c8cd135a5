package io.weir.spi.testkit;

import io.weir.spi.Cancellable;
import io.weir.spi.HttpCallRequest;
import io.weir.spi.HttpCallResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * One call-out a filter made through {@link io.weir.spi.FilterContext#httpCall}: what it asked for,
 * and its outcome. The filter holds the same object as its {@link Cancellable}.
 *
 * <p>Its callback runs exactly once, unless it is cancelled: when the test answers it ({@link
 * #respond}, {@link #fail}), when a script of {@link FilterHarness#onHttpCall} answers it, or with
 * {@code failed("timeout")} once {@link FilterHarness#advance} passes its timeout. Ending the
 * stream that made it cancels it.
 */
public final class CallOut implements Cancellable {
    private final FilterHarness h;
    private final String cluster;
    private final HttpCallRequest request;
    private final Duration timeout;
    private final Consumer<HttpCallResponse> callback;
    private HttpCallResponse response;
    private boolean cancelled;
    Cancellable timer;

    CallOut(
            FilterHarness h,
            String cluster,
            HttpCallRequest request,
            Duration timeout,
            Consumer<HttpCallResponse> callback) {
        this.h = h;
        this.cluster = cluster;
        this.request = request;
        this.timeout = timeout;
        this.callback = callback;
    }

    /** The cluster it was sent to. */
    public String cluster() {
        return cluster;
    }

    /** The request. */
    public HttpCallRequest request() {
        return request;
    }

    /** The timeout the filter gave. */
    public Duration timeout() {
        return timeout;
    }

    /** Whether it still waits for an outcome. */
    public boolean pending() {
        return response == null && !cancelled;
    }

    /** Whether the filter or the end of its context cancelled it before an outcome. */
    public boolean cancelled() {
        return cancelled;
    }

    /** The outcome delivered to the filter (a response or a failure), or null. */
    public HttpCallResponse response() {
        return response;
    }

    /** Delivers {@code r} to the filter now, then runs pending work. */
    public void respond(HttpCallResponse r) {
        if (!pending()) {
            throw new IllegalStateException(
                    "call-out to "
                            + cluster
                            + " "
                            + request.path()
                            + (cancelled ? " was cancelled" : " was already answered"));
        }
        deliver(r);
        h.drain();
    }

    /** Delivers a response with {@code status} and a text body, then runs pending work. */
    public void respond(int status, String body) {
        respond(
                new HttpCallResponse(
                        status, List.of(), body.getBytes(StandardCharsets.UTF_8), null));
    }

    /** Delivers {@link HttpCallResponse#failed failed(reason)}, then runs pending work. */
    public void fail(String reason) {
        respond(HttpCallResponse.failed(reason));
    }

    /** Cancels it: its callback will not run. Idempotent. */
    @Override
    public void cancel() {
        if (pending()) {
            cancelled = true;
            timer.cancel();
        }
    }

    void deliver(HttpCallResponse r) {
        if (!pending()) {
            return;
        }
        response = r;
        timer.cancel();
        callback.accept(r);
    }

    @Override
    public String toString() {
        return "CallOut[" + cluster + " " + request.method() + " " + request.path() + "]";
    }
}
