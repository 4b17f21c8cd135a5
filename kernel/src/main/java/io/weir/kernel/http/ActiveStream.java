package io.weir.kernel.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.weir.kernel.accesslog.AccessLog;
import io.weir.kernel.accesslog.AccessLogEntry;
import io.weir.kernel.accesslog.ResponseFlag;
import io.weir.kernel.config.Route;
import io.weir.kernel.http1.HeaderMap;
import io.weir.kernel.http1.Http1Parser;
import io.weir.kernel.http1.Http1Writer;
import io.weir.kernel.http1.RequestHead;
import io.weir.kernel.http1.RequestParser;
import io.weir.kernel.http1.ResponseHead;
import io.weir.kernel.router.PathNormalizer;
import io.weir.kernel.router.RouteEntry;
import io.weir.kernel.stats.IstioMetrics;
import io.weir.spi.tracing.TraceSpan;
import io.weir.spi.tracing.Tracer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One request and its response on a downstream connection. It checks and normalises the request,
 * selects the route, runs the filter chain (for now only the router, which is always last) and
 * writes the response back with Weir's own framing. Worker thread only.
 */
final class ActiveStream {
    final HttpConnectionManager hcm;
    final RequestHead head;

    /** The request body's length as framed upstream: -1 for chunked (a filter may change it). */
    long bodyLength;

    /** The body's length as received: -1 for chunked. */
    private final long receivedLength;

    final long startNanos = System.nanoTime();
    long finishNanos; // System.nanoTime() when the stream finished (0 before)

    /**
     * While the filter chain hands the request to the router ({@link #startTerminal}), the reading
     * that ended the last filter's callback, which the router takes as the start of its upstream
     * request when a pooled connection is ready at once; else {@link #NO_HANDOFF}.
     */
    long handoffNanos = NO_HANDOFF;

    static final long NO_HANDOFF = FilterChain.NO_READING;

    /**
     * Set by the filter chain as the response headers leave its last filter: the reading that ended
     * that filter's callback, else {@link #NO_HANDOFF}. The router takes it (and clears it) as soon
     * as its {@link #encodeHeaders} returns.
     */
    long responseHandoffNanos = NO_HANDOFF;

    final long startMillis = System.currentTimeMillis();
    String path; // normalised, without query
    String query; // raw, without '?', or null
    String authority;
    String requestId;
    TraceSpan span; // the SERVER span when a tracer is configured, else null
    RouteEntry route;
    boolean expectContinue;
    boolean requestComplete;
    private Router router;
    private FilterChain chain;
    private String methodOverride;
    String targetOverride;
    private boolean responseStarted;
    private boolean chunkedResponse;
    private boolean done;
    private int responseCode;
    private int flags;
    private long bytesReceived;
    private long bytesSent;
    private String details;
    private HeaderMap responseHeaders; // as sent, for the access log's %RESP(X)%

    ActiveStream(HttpConnectionManager hcm, RequestHead head, long bodyLength) {
        this.hcm = hcm;
        this.head = head;
        this.bodyLength = bodyLength;
        this.receivedLength = bodyLength;
    }

    /** A stream for a request too malformed to have a head: only a local reply is sent. */
    static ActiveStream forProtocolError(HttpConnectionManager hcm) {
        return new ActiveStream(hcm, null, 0);
    }

    int slot() {
        return hcm.slot();
    }

    Channel channel() {
        return hcm.channel;
    }

    // ---- request path ------------------------------------------------------------------------

    void decodeHeaders() {
        HeaderMap h = head.headers;
        requestComplete = bodyLength == 0;
        if (!parseTarget()) {
            return;
        }
        // the connection field may be sent more than once: its tokens are all the lines' tokens
        boolean close = false;
        boolean keepAlive = false;
        for (String conn : h.getAll("connection")) {
            close |= containsToken(conn, "close");
            keepAlive |= containsToken(conn, "keep-alive");
        }
        if (head.http10 ? !keepAlive : close) {
            hcm.closeAfterResponse = true;
        }
        String expect = h.count("expect") > 1 ? "" : h.get("expect");
        if (expect != null) {
            if (!head.http10 && expect.equalsIgnoreCase("100-continue")) {
                expectContinue = bodyLength != 0;
            } else {
                sendLocalReply(
                        417,
                        "unsupported expect value",
                        ResponseFlag.DPE.bit(),
                        "bad_expect",
                        true);
                return;
            }
        }
        long max = hcm.lr.http.maxRequestBodyBytes();
        if (max > 0 && bodyLength > max) {
            hcm.lr.stats.rqTooLarge.inc(slot());
            sendLocalReply(413, "payload too large", 0, "request_payload_too_large", true);
            return;
        }
        requestId = h.get("x-request-id");
        if (requestId == null && hcm.lr.http.generateRequestId()) {
            requestId = RequestIds.next();
            h.add("x-request-id", requestId);
        }
        Tracer tracer = hcm.lr.tracer;
        if (tracer != null) {
            startSpan(tracer);
        }
        route = hcm.lr.routes.route(authority, head.method, path, query, h);
        if (route == null) {
            hcm.lr.stats.rqNoRoute.inc(slot());
            sendLocalReply(404, "no route", ResponseFlag.NR.bit(), "route_not_found", false);
            return;
        }
        ListenerFilters lf = hcm.lr.filters;
        if (lf != null && !lf.isEmpty()) {
            chain = FilterChain.create(this, lf);
            if (chain != null) {
                chain.decodeHeaders(bodyLength == 0);
                return;
            }
        }
        startTerminal();
    }

    private void startSpan(Tracer tracer) {
        HeaderMap h = head.headers;
        // the span starts with the stream, on the tracer's clock: no clock read of its own
        span = tracer.startServerSpan(head.method, h::get, startNanos);
    }

    /**
     * The SERVER span when it is sampled (its trace id goes into exemplars and logs), else null.
     */
    private TraceSpan sampledSpan() {
        TraceSpan sp = span;
        return sp != null && sp.isSampled() ? sp : null;
    }

    /** The SERVER span's attributes (OpenTelemetry HTTP conventions, then Weir's), then its end. */
    private void endSpan(long durNanos) {
        TraceSpan sp = span;
        if (!sp.isSampled()) { // records nothing: skip making its attributes
            sp.end();
            return;
        }
        HeaderMap h = head.headers;
        sp.setAttribute("http.request.method", method());
        sp.setAttribute("url.path", path);
        if (query != null) {
            sp.setAttribute("url.query", query);
        }
        sp.setAttribute("url.scheme", "http");
        if (authority != null) {
            hcm.authorityPeer.apply(sp, authority);
        }
        sp.setAttribute("network.protocol.version", head.http10 ? "1.0" : "1.1");
        sp.setAttribute("client.address", hcm.remoteIp);
        sp.setAttribute("user_agent.original", h.get("user-agent"));
        if (responseCode != 0) {
            Tracing.status(sp, responseCode);
        } else {
            sp.setError(details);
        }
        if (route != null) {
            sp.setAttribute("weir.route", route.name);
        }
        if (router != null) {
            sp.setAttribute("weir.cluster", router.clusterName());
        }
        if (flags != 0) {
            sp.setAttribute("weir.response_flags", ResponseFlag.format(flags));
        }
        sp.setAttribute("weir.request_id", requestId);
        sp.end(sp.epochNanos(startNanos + durNanos));
    }

    /** The request has passed every filter: the router (or a direct response) takes it. */
    void startTerminal() {
        Route.Action action = route.action;
        if (action instanceof Route.DirectResponse d) {
            sendDirectResponse(d);
        } else if (action instanceof Route.Redirect r) {
            sendRedirect(r);
        } else {
            router = new Router(this, (Route.Forward) action);
            router.start();
        }
    }

    /** Splits and normalises the request-target; answers 400 itself when it is invalid. */
    private boolean parseTarget() {
        String t = head.target;
        authority = head.headers.get("host");
        if (head.method.equals("CONNECT")) {
            sendLocalReply(
                    501,
                    "CONNECT is not supported",
                    ResponseFlag.DPE.bit(),
                    "connect_unsupported",
                    true);
            return false;
        }
        if (!t.startsWith("/")) {
            if (t.equals("*") && head.method.equals("OPTIONS")) {
                path = "*";
                return true;
            }
            String auth = absoluteFormAuthority(t);
            if (auth == null) {
                sendLocalReply(
                        400,
                        "invalid request target",
                        ResponseFlag.DPE.bit(),
                        "invalid_target",
                        true);
                return false;
            }
            authority = auth;
            head.headers.set("host", auth);
            int slash = t.indexOf('/', t.indexOf("://") + 3);
            t = slash < 0 ? "/" : t.substring(slash);
        }
        int q = t.indexOf('?');
        int hash = t.indexOf('#');
        if (hash >= 0) {
            sendLocalReply(
                    400,
                    "fragment in request target",
                    ResponseFlag.DPE.bit(),
                    "invalid_target",
                    true);
            return false;
        }
        String raw = q < 0 ? t : t.substring(0, q);
        query = q < 0 ? null : t.substring(q + 1);
        path = PathNormalizer.normalize(raw, hcm.lr.http.mergeSlashes());
        if (path == null) {
            sendLocalReply(400, "invalid path", ResponseFlag.DPE.bit(), "invalid_path", true);
            return false;
        }
        return true;
    }

    /** The authority of an {@code http://} or {@code https://} target, or null if invalid. */
    private static String absoluteFormAuthority(String t) {
        int scheme = t.indexOf("://");
        boolean http =
                scheme == 4 && t.regionMatches(true, 0, "http", 0, 4)
                        || scheme == 5 && t.regionMatches(true, 0, "https", 0, 5);
        if (!http) {
            return null;
        }
        int slash = t.indexOf('/', scheme + 3);
        String auth = slash < 0 ? t.substring(scheme + 3) : t.substring(scheme + 3, slash);
        return RequestParser.isValidHost(auth) ? auth : null;
    }

    static boolean containsToken(String value, String token) {
        int i = 0;
        int n = value.length();
        while (i < n) {
            int comma = value.indexOf(',', i);
            if (comma < 0) {
                comma = n;
            }
            if (value.substring(i, comma).trim().equalsIgnoreCase(token)) {
                return true;
            }
            i = comma + 1;
        }
        return false;
    }

    void decodeData(ByteBuf data) {
        bytesReceived += data.readableBytes();
        long max = hcm.lr.http.maxRequestBodyBytes();
        if (max > 0 && bytesReceived > max) {
            data.release();
            if (!done) {
                hcm.lr.stats.rqTooLarge.inc(slot());
                if (router != null) {
                    router.abort();
                }
                sendLocalReply(413, "payload too large", 0, "request_payload_too_large", true);
            }
            return;
        }
        if (chain != null && !done) {
            chain.decodeData(data, receivedLength >= 0 && bytesReceived >= receivedLength);
            return;
        }
        terminalData(data);
    }

    void decodeComplete(HeaderMap trailers) {
        requestComplete = true;
        if (chain != null) {
            if (!done) {
                chain.decodeEnd(trailers);
            }
            return;
        }
        terminalEnd(trailers);
    }

    /** Request body bytes that passed every filter; takes {@code data}. */
    void terminalData(ByteBuf data) {
        if (router != null && !done) {
            router.onRequestData(data);
        } else {
            data.release();
        }
    }

    /** The end of the request, past every filter. */
    void terminalEnd(HeaderMap trailers) {
        if (router != null && !done) {
            router.onRequestComplete(trailers);
        }
    }

    boolean isDone() {
        return done;
    }

    /** The request method as sent upstream (a filter may change {@code :method}). */
    String method() {
        return methodOverride != null ? methodOverride : head.method;
    }

    void onDownstreamReadComplete() {
        if (router != null) {
            router.flushUpstream();
        }
    }

    void onDownstreamWritabilityChanged(boolean writable) {
        if (router != null) {
            router.setUpstreamReading(writable);
        }
    }

    // ---- response path -----------------------------------------------------------------------

    boolean responseStarted() {
        return responseStarted;
    }

    /** The response head from upstream: through the filters, then written. */
    void encodeHeaders(ResponseHead up, Http1Parser.Framing framing, long contentLength) {
        HeaderMap h = up.headers;
        Hop.stripResponse(h);
        if (route != null) {
            route.applyResponseHeaders(h);
        }
        if (chain != null) {
            chain.encodeHeaders(up, framing, contentLength);
        } else {
            writeResponseHeaders(up, framing);
        }
    }

    /** Writes the response head, choosing the downstream framing. */
    void writeResponseHeaders(ResponseHead up, Http1Parser.Framing framing) {
        HeaderMap h = up.headers;
        if (framing == Http1Parser.Framing.CHUNKED || framing == Http1Parser.Framing.UNTIL_CLOSE) {
            if (head.http10) {
                hcm.closeAfterResponse = true;
            } else {
                h.add("transfer-encoding", "chunked");
                chunkedResponse = true;
            }
        }
        connectionHeader(h);
        responseHeaders = h;
        responseCode = up.status;
        responseStarted = true;
        hcm.channel.write(
                Http1Writer.responseHead(hcm.channel.alloc(), up.status, up.reason, h),
                hcm.channel.voidPromise());
    }

    private void connectionHeader(HeaderMap h) {
        if (hcm.closeAfterResponse || hcm.drain.draining() || !requestComplete && head != null) {
            // a response before the whole request was read ends the connection
            hcm.closeAfterResponse = true;
            h.set("connection", "close");
        } else if (head != null && head.http10) {
            h.set("connection", "keep-alive");
        }
    }

    void encodeData(ByteBuf data) {
        if (chain != null) {
            chain.encodeData(data);
        } else {
            writeResponseData(data);
        }
    }

    void encodeComplete(HeaderMap trailers) {
        if (chain != null) {
            chain.encodeEnd(trailers);
        } else {
            writeResponseEnd(trailers);
        }
    }

    /** Writes response body bytes; takes {@code data}. */
    void writeResponseData(ByteBuf data) {
        int n = data.readableBytes();
        if (n == 0) {
            data.release();
            return;
        }
        bytesSent += n;
        Channel ch = hcm.channel;
        if (chunkedResponse) {
            ch.write(Http1Writer.chunkHeader(ch.alloc(), n), ch.voidPromise());
            ch.write(data, ch.voidPromise());
            ch.write(Http1Writer.chunkTrailer(), ch.voidPromise());
        } else {
            ch.write(data, ch.voidPromise());
        }
    }

    void writeResponseEnd(HeaderMap trailers) {
        Channel ch = hcm.channel;
        if (chunkedResponse) {
            ch.write(Http1Writer.lastChunk(ch.alloc(), trailers), ch.voidPromise());
        }
        ch.flush();
        finish();
    }

    void flushDownstream() {
        hcm.channel.flush();
    }

    /**
     * The response cannot be completed: close the downstream connection (a reset to the client).
     */
    void resetStream(int flag, String why) {
        flags |= flag;
        details = why;
        if (router != null) {
            router.abort();
        }
        hcm.closeAfterResponse = true;
        finish();
        hcm.close();
    }

    void addFlag(int flag) {
        flags |= flag;
    }

    /** Sends a complete local response; when a response is already under way, resets instead. */
    void sendLocalReply(int status, String body, int flag, String why, boolean close) {
        if (done) {
            return;
        }
        if (responseStarted) {
            resetStream(flag, why);
            return;
        }
        flags |= flag;
        details = why;
        if (close) {
            hcm.closeAfterResponse = true;
        }
        byte[] bytes = body == null ? new byte[0] : (body + "\n").getBytes(StandardCharsets.UTF_8);
        writeSimple(status, textHeaders(bytes), bytes);
    }

    /** Content-type (when there is a body) and content-length of a plain-text local reply. */
    private static HeaderMap textHeaders(byte[] body) {
        HeaderMap h = new HeaderMap(8);
        if (body.length > 0) {
            h.add("content-type", "text/plain; charset=utf-8");
        }
        h.add("content-length", Integer.toString(body.length));
        return h;
    }

    private void localReplyHeaders(HeaderMap h) {
        if (route != null) {
            route.applyResponseHeaders(h);
        }
        h.set("server", hcm.lr.http.serverName());
        connectionHeader(h);
    }

    private boolean isHead() {
        return head != null && head.method.equals("HEAD");
    }

    private void sendDirectResponse(Route.DirectResponse d) {
        byte[] bytes = d.body() == null ? new byte[0] : d.body().getBytes(StandardCharsets.UTF_8);
        writeSimple(d.status(), textHeaders(bytes), bytes);
    }

    private void sendRedirect(Route.Redirect r) {
        StringBuilder loc = new StringBuilder();
        loc.append(r.schemeRedirect() != null ? r.schemeRedirect() : "http").append("://");
        String host = r.hostRedirect() != null ? r.hostRedirect() : authority;
        if (host == null) {
            // an HTTP/1.0 request without Host and a redirect that names none: no valid Location
            sendLocalReply(
                    400, "missing host header", ResponseFlag.DPE.bit(), "missing_host", false);
            return;
        }
        if (r.portRedirect() > 0) {
            int colon = host.lastIndexOf(':');
            if (colon > 0 && host.indexOf(']') < colon) {
                host = host.substring(0, colon);
            }
            host = host + ":" + r.portRedirect();
        }
        loc.append(host);
        String p = path;
        if (r.pathRedirect() != null) {
            p = r.pathRedirect();
        } else if (r.prefixRewrite() != null && route.match.prefix() != null) {
            p = r.prefixRewrite() + p.substring(route.match.prefix().length());
        }
        loc.append(p);
        if (!r.stripQuery() && query != null) {
            loc.append('?').append(query);
        }
        HeaderMap h = new HeaderMap(8);
        h.add("location", loc.toString());
        h.add("content-length", "0");
        writeSimple(r.responseCode(), h, new byte[0]);
    }

    /** A filter's local reply (see {@link io.weir.spi.StreamContext#sendLocalReply}). */
    void sendFilterLocalReply(io.weir.spi.LocalReply r, int flag, String filter) {
        if (done) {
            return;
        }
        String why = r.details() != null ? r.details() : "filter_local_reply{" + filter + "}";
        if (responseStarted) {
            resetStream(flag, why);
            return;
        }
        flags |= flag;
        details = why;
        byte[] bytes = r.body() == null ? new byte[0] : r.body().getBytes(StandardCharsets.UTF_8);
        HeaderMap h = new HeaderMap(8 + r.headers().size());
        for (java.util.Map.Entry<String, String> e : r.headers()) {
            String name = e.getKey().toLowerCase(java.util.Locale.ROOT);
            if (!name.equals("content-length") && !name.equals("transfer-encoding")) {
                h.add(name, e.getValue());
            }
        }
        if (bytes.length > 0 && !h.contains("content-type")) {
            h.add("content-type", "text/plain; charset=utf-8");
        }
        h.add("content-length", Integer.toString(bytes.length));
        writeSimple(r.status(), h, bytes);
    }

    /** Writes a whole Weir-made response: the local-reply headers are added here. */
    private void writeSimple(int status, HeaderMap h, byte[] body) {
        localReplyHeaders(h);
        if (chain != null) {
            chain.onLocalReplyHeaders(status, h);
            status = chain.localReplyStatus(status);
            if (done) {
                return;
            }
        }
        Channel ch = hcm.channel;
        responseHeaders = h;
        responseCode = status;
        responseStarted = true;
        ch.write(Http1Writer.responseHead(ch.alloc(), status, reason(status), h), ch.voidPromise());
        if (body.length > 0 && !isHead()) {
            bytesSent += body.length;
            ch.write(ch.alloc().directBuffer(body.length).writeBytes(body), ch.voidPromise());
        }
        ch.flush();
        finish();
    }

    void onDownstreamProtocolError(int status, String reason) {
        sendLocalReply(status, reason, ResponseFlag.DPE.bit(), "protocol_error", true);
    }

    void onRouteTimeout() {
        if (router != null && !done) {
            router.onTimeout();
        }
    }

    /** The client closed the connection while this stream was active. */
    void onDownstreamReset(int flag) {
        if (done) {
            return;
        }
        flags |= flag;
        if (details == null) {
            details = "downstream_remote_disconnect";
        }
        if (router != null) {
            router.abort();
        }
        finish();
    }

    private void finish() {
        if (done) {
            return;
        }
        done = true;
        finishNanos = System.nanoTime();
        if (chain != null) {
            // first, so that the filters' onLog and onDestroy start at this reading rather than
            // at one of their own (the stats below are the kernel's, not the filters' time)
            chain.finish(finishNanos);
        }
        ListenerStats st = hcm.lr.stats;
        long durNanos = finishNanos - startNanos;
        if (responseCode != 0) {
            st.countResponse(slot(), responseCode);
        }
        long endMillis = startMillis + durNanos / 1_000_000;
        TraceSpan sampled = sampledSpan();
        st.rqTime.record(slot(), durNanos / 1e6, sampled, endMillis);
        IstioMetrics.Reporter istio = hcm.lr.istio;
        if (istio != null) {
            istio.record(
                    slot(),
                    authority,
                    responseCode,
                    flags,
                    ResponseFlag::format,
                    durNanos / 1e6,
                    bytesReceived,
                    bytesSent,
                    sampled,
                    endMillis);
        }
        if (router != null) {
            router.release();
        }
        if (span != null) {
            endSpan(durNanos);
        }
        if (!hcm.lr.accessLogs.isEmpty()) {
            log(durNanos, sampled);
        }
        hcm.streamDone(this);
    }

    private void log(long durNanos, TraceSpan sampled) {
        HeaderMap h = head == null ? null : head.headers;
        AccessLogEntry e =
                new AccessLogEntry(
                        startMillis,
                        head == null ? null : head.method,
                        head == null ? null : head.target,
                        head == null ? "HTTP/1.1" : head.protocol(),
                        responseCode,
                        flags,
                        bytesReceived,
                        bytesSent,
                        durNanos / 1_000_000,
                        router == null ? -1 : router.upstreamServiceTimeMs(),
                        h == null ? null : h.get("x-forwarded-for"),
                        h == null ? null : h.get("user-agent"),
                        requestId,
                        authority,
                        router == null ? null : router.upstreamHost(),
                        route == null ? null : route.name,
                        router == null ? null : router.clusterName(),
                        hcm.remoteIp,
                        details,
                        sampled == null ? null : sampled.traceId(),
                        h,
                        responseHeaders);
        for (AccessLog l : hcm.lr.accessLogs) {
            l.log(e);
        }
    }

    private static final String[] REQUEST_PSEUDO = {":method", ":path", ":authority", ":scheme"};

    /** Request pseudo-headers for filters: {@code :method :path :authority :scheme}. */
    FilterHeaders.Pseudo requestPseudo() {
        return new FilterHeaders.Pseudo() {
            @Override
            public String[] names() {
                return REQUEST_PSEUDO;
            }

            @Override
            public int count() { // :method, :path and :scheme always; :authority with a host
                return head.headers.get("host") == null ? 3 : 4;
            }

            @Override
            public String get(String name) {
                return switch (name) {
                    case ":method" -> method();
                    case ":path" ->
                            targetOverride != null
                                    ? targetOverride
                                    : query == null ? path : path + "?" + query;
                    case ":authority" -> head.headers.get("host");
                    case ":scheme" -> "http";
                    default -> null;
                };
            }

            @Override
            public void set(String name, String value) {
                switch (name) {
                    case ":method" -> {
                        if (!io.weir.kernel.http1.Http1Parser.isToken(value)) {
                            throw new IllegalArgumentException("invalid :method " + value);
                        }
                        methodOverride = value;
                    }
                    case ":path" -> {
                        if (!value.startsWith("/")) {
                            throw new IllegalArgumentException(":path must start with /");
                        }
                        targetOverride = value;
                    }
                    case ":authority" -> head.headers.set("host", value);
                    default -> {}
                }
            }
        };
    }

    /** A property by its proxy-wasm name (see {@link io.weir.spi.StreamContext#property}). */
    String property(String name, StreamFilter sf) {
        return switch (name) {
            case "request.path" -> sf.chain.requestHeaders.get(":path");
            case "request.url_path" -> path;
            case "request.query" -> query;
            case "request.host" -> authority;
            case "request.method" -> method();
            case "request.scheme" -> "http";
            case "request.protocol" -> head.protocol();
            case "request.id" -> requestId;
            case "request.time" -> Long.toString(startMillis);
            case "source.address" -> hcm.remoteIp + ":" + hcm.remotePort;
            case "source.port" -> Integer.toString(hcm.remotePort);
            case "destination.address" -> hcm.localIp + ":" + hcm.localPort;
            case "destination.port" -> Integer.toString(hcm.localPort);
            case "connection.mtls" -> "false";
            case "connection.id" -> Long.toString(hcm.id);
            case "plugin_name" -> sf.entry.name;
            case "route_name" -> route == null ? null : route.name;
            case "cluster_name" -> {
                if (router != null) {
                    yield router.clusterName();
                }
                // before the router starts (request filters): a route's single cluster is known;
                // a weighted one is picked when the router starts
                yield route != null && route.action instanceof io.weir.kernel.config.Route.Forward f
                        ? f.cluster()
                        : null;
            }
            case "upstream.address" -> router == null ? null : router.upstreamHost();
            case "response.code" -> responseCode == 0 ? null : Integer.toString(responseCode);
            case "response.flags" -> ResponseFlag.format(flags);
            case "worker_id" -> Integer.toString(slot());
            default -> {
                Object v = sf.chain.metadata(name);
                yield v instanceof String str ? str : null;
            }
        };
    }

    static String reason(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 200 -> "OK";
            case 201 -> "Created";
            case 204 -> "No Content";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 303 -> "See Other";
            case 304 -> "Not Modified";
            case 307 -> "Temporary Redirect";
            case 308 -> "Permanent Redirect";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 413 -> "Payload Too Large";
            case 414 -> "URI Too Long";
            case 417 -> "Expectation Failed";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            case 505 -> "HTTP Version Not Supported";
            default -> status < 300 ? "OK" : "Unknown";
        };
    }

    /** Writes the interim {@code 100 Continue} for a request that asked for it. */
    void sendContinue() {
        if (expectContinue && !responseStarted) {
            expectContinue = false;
            Channel ch = hcm.channel;
            ch.writeAndFlush(
                    ByteBufUtil.writeAscii(ch.alloc(), "HTTP/1.1 100 Continue\r\n\r\n"),
                    ch.voidPromise());
        }
    }

    /** Fast x-request-id values: random UUID v4 text without SecureRandom contention. */
    static final class RequestIds {
        private static final char[] HEX = "0123456789abcdef".toCharArray();

        private RequestIds() {}

        static String next() {
            ThreadLocalRandom r = ThreadLocalRandom.current();
            long hi = (r.nextLong() & ~0xF000L) | 0x4000L;
            long lo = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
            char[] c = new char[36];
            int p = 0;
            for (int i = 60; i >= 0; i -= 4) {
                if (p == 8 || p == 13) {
                    c[p++] = '-';
                }
                c[p++] = HEX[(int) (hi >>> i) & 0xF];
            }
            for (int i = 60; i >= 0; i -= 4) {
                if (p == 18 || p == 23) {
                    c[p++] = '-';
                }
                c[p++] = HEX[(int) (lo >>> i) & 0xF];
            }
            return new String(c);
        }
    }
}
