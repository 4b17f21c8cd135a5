package io.weir.spi.testkit;

import io.weir.spi.StreamContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A request for {@link FilterHarness#request}; {@link #send()} runs it through the filter (see
 * {@link StreamRun}). Built with {@code :method} and {@code :path} as given, {@code :authority}
 * {@code example.com} and {@code :scheme} {@code http} unless set with {@link #header}.
 */
public final class Request {
    final FilterHarness h;
    final TestHeaders headers = new TestHeaders();
    final List<byte[]> chunks = new ArrayList<>();
    TestHeaders trailers;
    final Map<String, String> properties = new HashMap<>();
    final Map<String, Object> metadata = new HashMap<>();
    Object routeConfig;
    boolean hasRouteConfig;
    boolean routeConfigParsed;
    private boolean sent;

    Request(FilterHarness h, String method, String path) {
        this.h = h;
        headers.set(":method", method);
        headers.set(":path", path);
        headers.set(":authority", "example.com");
        headers.set(":scheme", "http");
    }

    /** Adds a header; a pseudo-header such as {@code :authority} replaces its value. */
    public Request header(String name, String value) {
        headers.add(name, value);
        return this;
    }

    /** Adds a body chunk (UTF-8); each call is one {@code onRequestBody} unless buffered. */
    public Request body(String chunk) {
        return body(chunk.getBytes(StandardCharsets.UTF_8));
    }

    /** Adds a body chunk. */
    public Request body(byte[] chunk) {
        chunks.add(chunk.clone());
        return this;
    }

    /** Adds a trailer. */
    public Request trailer(String name, String value) {
        if (trailers == null) {
            trailers = new TestHeaders();
        }
        trailers.add(name, value);
        return this;
    }

    /** Sets a property of this stream (see {@link StreamRun}). */
    public Request property(String name, String value) {
        properties.put(name, value);
        return this;
    }

    /** Metadata an earlier filter set, such as verified JWT claims. */
    public Request metadata(String key, Object value) {
        metadata.put(key, value);
        return this;
    }

    /**
     * The route's {@code per_filter_config} override for this request, parsed like the listener's
     * config; {@link StreamContext#config()} returns it.
     */
    public Request routeConfig(Object rawConfig) {
        this.routeConfig = rawConfig;
        this.hasRouteConfig = true;
        this.routeConfigParsed = false;
        return this;
    }

    /**
     * The route's override as already parsed, for several requests of one route: Weir parses a
     * route's {@code per_filter_config} once at load, so state the filter keeps in that object (a
     * bucket, a count) is shared by the route's requests, whereas {@link #routeConfig} parses anew
     * for each request. Parse it once with {@link FilterHarness#parseConfig}; {@link
     * StreamContext#config()} returns this very object.
     */
    public Request parsedRouteConfig(Object config) {
        this.routeConfig = Objects.requireNonNull(config, "config");
        this.hasRouteConfig = true;
        this.routeConfigParsed = true;
        return this;
    }

    /** Creates the filter, runs the request through it, then runs pending work. */
    public StreamRun send() {
        h.checkOpen();
        if (sent) {
            throw new IllegalStateException("this request was already sent");
        }
        sent = true;
        StreamRun r = new StreamRun(this);
        h.open.add(r);
        r.start();
        h.drain();
        return r;
    }
}
