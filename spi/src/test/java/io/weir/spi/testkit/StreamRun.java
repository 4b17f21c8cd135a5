package io.weir.spi.testkit;

import io.weir.spi.FilterStatus;
import io.weir.spi.Headers;
import io.weir.spi.HttpFilter;
import io.weir.spi.LocalReply;
import io.weir.spi.StreamContext;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One request run through the filter by a {@link FilterHarness}: the kit plays the client in front
 * of the filter and the upstream behind it.
 *
 * <p><b>Request</b> ({@link Request#send()}): {@code onRequestHeaders}, {@code onRequestBody} per
 * chunk, {@code onRequestTrailers} when there are trailers. {@link FilterStatus#STOP} after the
 * headers, the trailers or the last chunk pauses the request until the filter calls {@code
 * continueRequest()}; the parts that "arrived meanwhile" are delivered after it. STOP after a chunk
 * that is not the last holds it, and the next call gets everything held so far. After {@code
 * bufferRequestBody(max)} the headers are held and the whole body comes in one call; a larger body
 * gets Weir's 413 local reply. Once every part has passed the filter the request has reached the
 * upstream: {@link #forwarded()}, {@link #upstreamHeaders()}, {@link #upstreamBody()}.
 *
 * <p><b>Response</b> ({@link #respond}, then {@link Response#send()}): the same with the response
 * callbacks, {@code continueResponse()} and {@code bufferResponseBody} (500 when too large). When
 * every part has passed, the client has the response: {@link #status()}, {@link
 * #responseHeaders()}, {@link #responseBody()}.
 *
 * <p><b>Local replies</b> end the stream with that response ({@link #localReply()}). The kit does
 * not pass the filter's own reply through its response callbacks (the SPI promises that only for a
 * later filter's reply, which to this filter is just a response: use {@link #respond}). Once the
 * response headers have passed the filter, a local reply resets the stream instead. {@code
 * resetStream()} and {@link #abort()} end it with a reset.
 *
 * <p><b>The end</b>: when the stream is over (response complete, local reply or reset) its timers
 * and call-outs are cancelled, and {@code onLog} then {@code onDestroy} run as pending work.
 *
 * <p><b>Properties</b>: set by the test ({@link Request#property}, {@link FilterHarness#property})
 * first; then {@code request.path}, {@code request.url_path}, {@code request.query}, {@code
 * request.host}, {@code request.method}, {@code request.scheme}, {@code request.protocol} ({@code
 * HTTP/1.1}), {@code request.id} (the {@code x-request-id} header), {@code plugin_name}, {@code
 * worker_id} ({@link FilterHarness#workerId()}), {@code response.code}, {@code response.flags} from
 * the stream; then String metadata. Anything else is null.
 */
public final class StreamRun {
    private static final byte[] EMPTY = new byte[0];
    private static final int HEADERS = 0;
    private static final int BODY = 1;
    private static final int TRAILERS = 2;
    private static final int DONE = 3;

    private final FilterHarness h;
    private final Object config;
    private final Map<String, String> properties;
    private final Map<String, Object> metadata;
    private final Flow request;
    private final Ctx ctx;
    private final HttpFilter filter;
    private Flow response;
    private LocalReply localReply;
    private final List<String> responseFlags = new ArrayList<>();
    private TestHeaders replyHeaders;
    private boolean forwarded;
    private boolean over;
    private boolean reset;
    private boolean logged;
    private boolean destroyed;

    StreamRun(Request b) {
        h = b.h;
        config =
                !b.hasRouteConfig
                        ? h.config
                        : b.routeConfigParsed
                                ? b.routeConfig
                                : FilterHarness.parseConfig(h.factory, b.routeConfig);
        properties = Map.copyOf(b.properties);
        metadata = new HashMap<>(b.metadata);
        request = new Flow(true, b.headers, b.chunks, b.trailers);
        ctx = new Ctx();
        filter = Objects.requireNonNull(h.root.newFilter(ctx), "newFilter returned null");
    }

    void start() {
        request.pump();
    }

    /** Builds the upstream's response; {@link #send()} runs it back through the filter. */
    public final class Response {
        private final TestHeaders headers = new TestHeaders();
        private final List<byte[]> chunks = new ArrayList<>();
        private TestHeaders trailers;
        private boolean sent;

        private Response(int status) {
            headers.set(":status", Integer.toString(status));
        }

        /** Adds a header. */
        public Response header(String name, String value) {
            headers.add(name, value);
            return this;
        }

        /** Adds a body chunk (UTF-8); each call is one {@code onResponseBody} unless buffered. */
        public Response body(String chunk) {
            return body(chunk.getBytes(StandardCharsets.UTF_8));
        }

        /** Adds a body chunk. */
        public Response body(byte[] chunk) {
            chunks.add(chunk.clone());
            return this;
        }

        /** Adds a trailer. */
        public Response trailer(String name, String value) {
            if (trailers == null) {
                trailers = new TestHeaders();
            }
            trailers.add(name, value);
            return this;
        }

        /** Runs the response through the filter, then runs pending work. */
        public StreamRun send() {
            if (sent || response != null) {
                throw new IllegalStateException("the upstream already responded");
            }
            sent = true;
            response = new Flow(false, headers, chunks, trailers);
            response.pump();
            h.drain();
            return StreamRun.this;
        }
    }

    /**
     * Starts the upstream's response.
     *
     * @throws IllegalStateException when the request has not reached the upstream (the filter
     *     paused it) or the stream is over
     */
    public Response respond(int status) {
        h.checkOpen();
        if (over) {
            throw new IllegalStateException("the stream is over (" + describeEnd() + ")");
        }
        if (!forwarded) {
            throw new IllegalStateException(
                    "the request has not reached the upstream (the filter paused it)");
        }
        if (response != null) {
            throw new IllegalStateException("the upstream already responded");
        }
        return new Response(status);
    }

    /** The client goes away: the stream ends with a reset, then pending work runs. */
    public StreamRun abort() {
        if (!over) {
            endStream(true);
        }
        h.drain();
        return this;
    }

    /** Whether the whole request passed the filter and reached the upstream. */
    public boolean forwarded() {
        return forwarded;
    }

    /** The request headers as they passed the filter, or null while they have not. */
    public Headers upstreamHeaders() {
        return request.headersPassed ? request.headers : null;
    }

    /** The request body that passed the filter so far, as UTF-8. */
    public String upstreamBody() {
        return request.out.toString(StandardCharsets.UTF_8);
    }

    /** Whether the filter paused the request and has not continued it. */
    public boolean requestPaused() {
        return request.paused && !over;
    }

    /** Whether the filter paused the response and has not continued it. */
    public boolean responsePaused() {
        return response != null && response.paused && !over;
    }

    /** The local reply that ended the stream (the filter's, or Weir's 413/500), or null. */
    public LocalReply localReply() {
        return localReply;
    }

    /** The response flags the filter recorded with {@code addResponseFlag}, in order. */
    public List<String> responseFlags() {
        return List.copyOf(responseFlags);
    }

    /** The status the client got, or 0 while it has none (and after a reset). */
    public int status() {
        Headers rh = responseHeaders();
        return rh == null ? 0 : Integer.parseInt(rh.get(":status"));
    }

    /** The response headers the client got, or null. */
    public Headers responseHeaders() {
        if (reset) {
            return null;
        }
        if (localReply != null) {
            return replyHeaders;
        }
        return over && response != null ? response.headers : null;
    }

    /** The response body the client got, as UTF-8, or null. */
    public String responseBody() {
        if (responseHeaders() == null) {
            return null;
        }
        if (localReply != null) {
            return localReply.body() == null ? "" : localReply.body();
        }
        return response.out.toString(StandardCharsets.UTF_8);
    }

    /** Whether the stream is over: response complete, local reply or reset. */
    public boolean over() {
        return over;
    }

    /** Whether the stream ended with a reset ({@code resetStream()} or {@link #abort()}). */
    public boolean wasReset() {
        return reset;
    }

    /** Whether {@code onLog} was called. */
    public boolean logged() {
        return logged;
    }

    /** Whether {@code onDestroy} was called. */
    public boolean destroyed() {
        return destroyed;
    }

    /** A metadata value of this stream, as the filter set it. */
    public Object metadata(String key) {
        return metadata.get(key);
    }

    /** The context the filter got; calls after {@code onDestroy} are counted as the filter's. */
    public StreamContext context() {
        return ctx;
    }

    private Headers currentResponseHeaders() {
        return localReply != null ? replyHeaders : response == null ? null : response.headers;
    }

    private String describeEnd() {
        return localReply != null ? "local reply " + localReply.status() : reset ? "reset" : "done";
    }

    private void reply(LocalReply r) {
        if (over) {
            return;
        }
        if (response != null && response.headersPassed) {
            endStream(true);
            return;
        }
        localReply = r;
        replyHeaders = new TestHeaders();
        replyHeaders.set(":status", Integer.toString(r.status()));
        r.headers().forEach(e -> replyHeaders.add(e.getKey(), e.getValue()));
        if (r.body() != null && !r.body().isEmpty() && !replyHeaders.contains("content-type")) {
            replyHeaders.set("content-type", "text/plain; charset=utf-8");
        }
        endStream(false);
    }

    private void endStream(boolean isReset) {
        over = true;
        reset = isReset;
        ctx.cancelOwned();
        h.post(this::finish);
    }

    private void finish() {
        if (destroyed) {
            return;
        }
        logged = true;
        filter.onLog();
        destroyed = true;
        filter.onDestroy();
        ctx.end();
        h.open.remove(this);
    }

    /** One direction: headers, body chunks, trailers, and where the filter stopped it. */
    private final class Flow {
        final boolean isRequest;
        final TestHeaders headers;
        final List<byte[]> chunks;
        final TestHeaders trailers;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        int stage = HEADERS;
        int next;
        boolean paused;
        boolean headersPassed;
        int bufferLimit = -1;
        byte[] held = EMPTY;

        Flow(boolean isRequest, TestHeaders headers, List<byte[]> chunks, TestHeaders trailers) {
            this.isRequest = isRequest;
            this.headers = headers;
            this.chunks = chunks;
            this.trailers = trailers;
        }

        void pump() {
            while (!paused && !over && stage != DONE) {
                switch (stage) {
                    case HEADERS -> headers();
                    case BODY -> body();
                    default -> trailers();
                }
            }
            if (stage == DONE && !paused && !over) {
                if (isRequest) {
                    forwarded = true;
                } else {
                    endStream(false);
                }
            }
        }

        void resume() {
            if (!paused || over) {
                return;
            }
            paused = false;
            if (!(stage == BODY && bufferLimit >= 0 && next < chunks.size())) {
                pass();
            }
            pump();
        }

        private void headers() {
            boolean eos = chunks.isEmpty() && trailers == null;
            FilterStatus s =
                    isRequest
                            ? filter.onRequestHeaders(headers, eos)
                            : filter.onResponseHeaders(headers, eos);
            stage = BODY;
            if (s == FilterStatus.STOP) {
                paused = true;
            } else if (bufferLimit < 0) {
                headersPassed = true;
            }
        }

        private void body() {
            if (next == chunks.size()) {
                pass();
                stage = TRAILERS;
                return;
            }
            byte[] data;
            boolean eos;
            if (bufferLimit >= 0) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                chunks.forEach(all::writeBytes);
                next = chunks.size();
                data = all.toByteArray();
                eos = trailers == null;
                if (data.length > bufferLimit) {
                    tooLarge();
                    return;
                }
            } else {
                data = concat(held, chunks.get(next++));
                eos = next == chunks.size() && trailers == null;
            }
            TestBody b = new TestBody(data);
            FilterStatus s;
            try {
                s = isRequest ? filter.onRequestBody(b, eos) : filter.onResponseBody(b, eos);
            } finally {
                held = b.close();
            }
            if (bufferLimit >= 0 && headers.contains("content-length")) {
                headers.set("content-length", Integer.toString(held.length));
            }
            if (s == FilterStatus.STOP) {
                paused = eos || bufferLimit >= 0;
                return;
            }
            pass();
        }

        private void trailers() {
            stage = DONE;
            if (trailers != null) {
                FilterStatus s =
                        isRequest
                                ? filter.onRequestTrailers(trailers)
                                : filter.onResponseTrailers(trailers);
                paused = s == FilterStatus.STOP;
            }
        }

        private void pass() {
            headersPassed = true;
            out.writeBytes(held);
            held = EMPTY;
        }

        private void tooLarge() {
            reply(
                    isRequest
                            ? LocalReply.status(413)
                                    .body("Payload Too Large")
                                    .details("request_payload_too_large")
                                    .build()
                            : LocalReply.status(500)
                                    .body("Internal Server Error")
                                    .details("response_payload_too_large")
                                    .build());
        }

        private static byte[] concat(byte[] a, byte[] b) {
            byte[] c = new byte[a.length + b.length];
            System.arraycopy(a, 0, c, 0, a.length);
            System.arraycopy(b, 0, c, a.length, b.length);
            return c;
        }
    }

    /** The fake {@link StreamContext} of this stream. */
    private final class Ctx extends BaseContext implements StreamContext {
        Ctx() {
            super(StreamRun.this.h);
        }

        @Override
        public Object config() {
            dead();
            return config;
        }

        @Override
        public Headers requestHeaders() {
            dead();
            return request.headers;
        }

        @Override
        public Headers responseHeaders() {
            dead();
            return currentResponseHeaders();
        }

        @Override
        public void continueRequest() {
            if (!dead()) {
                h.post(request::resume);
            }
        }

        @Override
        public void continueResponse() {
            if (!dead() && response != null) {
                h.post(response::resume);
            }
        }

        @Override
        public void sendLocalReply(LocalReply reply) {
            Objects.requireNonNull(reply, "reply");
            if (!dead()) {
                reply(reply);
            }
        }

        @Override
        public void resetStream() {
            if (!dead() && !over) {
                endStream(true);
            }
        }

        @Override
        public void addResponseFlag(String flag) {
            if (!dead()) {
                responseFlags.add(flag);
            }
        }

        @Override
        public void bufferRequestBody(int maxBytes) {
            if (!dead()) {
                buffer(request, maxBytes, "bufferRequestBody", "onRequestHeaders");
            }
        }

        @Override
        public void bufferResponseBody(int maxBytes) {
            if (!dead()) {
                buffer(response, maxBytes, "bufferResponseBody", "onResponseHeaders");
            }
        }

        private void buffer(Flow f, int maxBytes, String method, String from) {
            if (f == null || f.stage != HEADERS) {
                throw new IllegalStateException("call " + method + " from " + from);
            }
            if (maxBytes < 0) {
                throw new IllegalArgumentException(method + ": negative limit " + maxBytes);
            }
            f.bufferLimit = maxBytes;
        }

        @Override
        public String property(String name) {
            dead();
            String set = properties.get(name);
            if (set == null) {
                set = h.properties.get(name);
            }
            if (set != null) {
                return set;
            }
            String path = request.headers.get(":path");
            int q = path == null ? -1 : path.indexOf('?');
            Headers rh = currentResponseHeaders();
            return switch (name) {
                case "request.path" -> path;
                case "request.url_path" -> q < 0 ? path : path.substring(0, q);
                case "request.query" -> q < 0 ? "" : path.substring(q + 1);
                case "request.host" -> request.headers.get(":authority");
                case "request.method" -> request.headers.get(":method");
                case "request.scheme" -> request.headers.get(":scheme");
                case "request.protocol" -> "HTTP/1.1";
                case "request.id" -> request.headers.get("x-request-id");
                case "plugin_name" -> h.factory.name();
                case "worker_id" -> Integer.toString(h.workerId);
                case "response.code" -> rh == null ? null : rh.get(":status");
                case "response.flags" -> localReply == null ? null : localReply.responseFlag();
                default -> metadata.get(name) instanceof String s ? s : null;
            };
        }

        @Override
        public void setMetadata(String key, Object value) {
            if (dead()) {
                return;
            }
            if (value == null) {
                metadata.remove(key);
            } else {
                metadata.put(key, value);
            }
        }

        @Override
        public Object metadata(String key) {
            dead();
            return metadata.get(key);
        }
    }
}
