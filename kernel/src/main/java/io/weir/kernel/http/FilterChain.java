package io.weir.kernel.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.weir.kernel.accesslog.ResponseFlag;
import io.weir.kernel.config.FilterOverride;
import io.weir.kernel.filter.FilterServices;
import io.weir.kernel.http1.HeaderMap;
import io.weir.kernel.http1.Http1Parser;
import io.weir.kernel.http1.ResponseHead;
import io.weir.spi.FilterStatus;
import io.weir.spi.HttpFilter;
import io.weir.spi.LocalReply;
import java.util.HashMap;
import java.util.Map;

/**
 * The HTTP filters of one stream, between the connection manager and the router (always last).
 * Request events (headers, body chunks, end with trailers) go through the filters in order,
 * response events in reverse. A filter that returns STOP holds what reached it until it continues;
 * a body chunk that a filter STOPs on is held and offered again with the next one; whole-body
 * buffering holds headers and body at the filter until the end. Every callback is timed, counted
 * and guarded: a throwing or overrunning filter is handled by its fail policy. Worker thread only.
 *
 * <p>Ownership: body buffers held at a filter belong to the chain until passed on; {@link #destroy}
 * releases what is left.
 */
final class FilterChain implements FilterHeaders.Pseudo {
    private static final int HDR = 0;
    private static final int BODY = 1;
    private static final int TRAILERS = 2;
    private static final String[] STATUS_PSEUDO = {":status"};

    final ActiveStream s;
    final FilterServices services;
    private final ListenerFilters lf;
    private final ListenerFilters.WorkerRoots roots;
    private final StreamFilter[] f;
    private final int n;

    /** The stream's worker's stats slot (read once: every callback counts in it). */
    private final int slot;

    final FilterHeaders requestHeaders;
    FilterHeaders responseHeaders;
    private ResponseHead respHead;
    private Http1Parser.Framing respFraming;
    private long respLength;
    private int respStatus;
    private Map<String, Object> metadata;
    private int depth;
    private boolean destroyed;
    private boolean pumping;
    private int heldBytes;
    private boolean readPaused;

    /**
     * Set when a direction's headers have left the last filter and no filter can act on what
     * follows in it: none has that direction's body or trailers callback, is paused or buffers the
     * body. Body chunks and the end then go to the kernel without a pass over the filters, as they
     * would through it. Nothing unsets it: a filter's callbacks are fixed when it is made, and
     * pausing or buffering is only asked for from a callback this direction no longer calls.
     */
    private boolean reqOpen;

    private boolean respOpen;

    /** {@link #carry} when no reading is carried (also {@link ActiveStream#NO_HANDOFF}). */
    static final long NO_READING = Long.MIN_VALUE;

    /**
     * The clock reading that ended the last callback, while the next thing the chain does is call
     * the next filter (only the chain's own bookkeeping in between): that call starts at it instead
     * of reading the clock again. Adjacent callbacks (one filter's newFilter and the next's, the
     * last newFilter and the first request headers, filter k's and filter k+1's callbacks in one
     * pass) then share one reading, N+1 reads for N filters rather than 2N. In a chain of one
     * filter without a {@code callback_timeout}, newFilter takes no reading of its own at its end:
     * the request headers call that follows starts at newFilter's start. Set only by {@link
     * #newFilter} and {@link #call}, taken only by them and, when the request headers leave the
     * last filter, by the router's start (through {@link ActiveStream#handoffNanos}); cleared
     * wherever the chain hands the stream to the kernel or stops passing it on, so a filter's
     * reading never spans other work.
     */
    private long carry = NO_READING;

    /** The position of the filter sending a local reply; n for the kernel's own replies. */
    private int localReplyFrom = Integer.MAX_VALUE;

    private FilterChain(
            ActiveStream s,
            ListenerFilters lf,
            ListenerFilters.WorkerRoots roots,
            StreamFilter[] f,
            int slot) {
        this.s = s;
        this.lf = lf;
        this.services = lf.services;
        this.roots = roots;
        this.f = f;
        this.n = f.length;
        this.slot = slot;
        this.requestHeaders = new FilterHeaders(s.head.headers, s.requestPseudo());
    }

    /**
     * The chain for a stream on its route, or null when no filter is enabled for it (the router
     * then runs alone).
     */
    static FilterChain create(ActiveStream s, ListenerFilters lf) {
        int slot = s.slot();
        ListenerFilters.WorkerRoots roots = lf.workers[slot];
        ListenerFilters.Entry[] es = lf.entries;
        FilterOverride[] overrides = s.route.filterOverrides;
        int enabled = 0;
        if (overrides == null) {
            enabled = lf.enabledByDefault;
        } else {
            for (ListenerFilters.Entry e : es) {
                if (enabledFor(e, overrides)) {
                    enabled++;
                }
            }
        }
        if (enabled == 0) {
            return null;
        }
        StreamFilter[] f = new StreamFilter[enabled];
        FilterChain c = new FilterChain(s, lf, roots, f, slot);
        int k = 0;
        for (ListenerFilters.Entry e : es) {
            if (enabledFor(e, overrides)) {
                FilterOverride o = overrides == null ? null : overrides[e.index];
                Object cfg = o != null && o.parsed() != null ? o.parsed() : e.config.parsed();
                f[k] = new StreamFilter(c, e, cfg, k);
                k++;
            }
        }
        roots.streamStarted();
        return c;
    }

    private static boolean enabledFor(ListenerFilters.Entry e, FilterOverride[] overrides) {
        FilterOverride o = overrides == null ? null : overrides[e.index];
        if (o == null) {
            return !e.config.disabled();
        }
        return o.config() != null || !o.disabled();
    }

    /** Creates the per-request filters; a failing newFilter is a filter failure. */
    private boolean createFilters() {
        for (StreamFilter sf : f) {
            HttpFilter created = newFilter(sf, roots.roots[sf.entry.index]);
            if (s.isDone()) {
                return false;
            }
            if (created == null) {
                sf.skipped = true;
            } else {
                sf.filter = created;
                sf.implementsBits = sf.entry.implementsOf(created.getClass());
            }
        }
        return true;
    }

    /** The root's newFilter, guarded like any callback (written out: no allocation). */
    private HttpFilter newFilter(StreamFilter sf, RootContextImpl root) {
        if (sf.skipped || destroyed) {
            return null;
        }
        depth++;
        long t0 = startReading();
        HttpFilter created = null;
        Throwable failure = null;
        try {
            created = root.root.newFilter(sf);
        } catch (RuntimeException | LinkageError | StackOverflowError t) {
            failure = t;
        } finally {
            depth--;
        }
        if (n == 1
                && created != null
                && failure == null
                && sf.entry.callbackTimeoutNanos == 0
                && !s.isDone()) {
            // a chain of one: this filter's request headers call follows at once and starts at
            // t0, so its time covers both; no callback_timeout needs this call timed on its own
            sf.entry.stats.invocations.inc(slot);
            carry = t0;
            return created;
        }
        long t1 = System.nanoTime();
        if (!after(sf, t0, t1, failure)) {
            return null;
        }
        carry = t1; // the next filter's newFilter, or the first request headers call
        return created;
    }

    /**
     * The start of a call: the carried reading when there is one (then used up), else the clock.
     */
    private long startReading() {
        long t = carry;
        if (t == NO_READING) {
            return System.nanoTime();
        }
        carry = NO_READING;
        return t;
    }

    // ---- entry points from the stream ----------------------------------------------------

    void decodeHeaders(boolean endOfStream) {
        if (!createFilters()) {
            return;
        }
        StreamFilter.Dir d = f[0].req;
        d.headersIn = true;
        d.headersEos = endOfStream;
        if (endOfStream) {
            d.endIn = true;
        }
        pump(true, 0);
    }

    void decodeData(ByteBuf data, boolean endOfStream) {
        if (reqOpen) {
            if (s.isDone() || destroyed) {
                data.release();
                return;
            }
            s.terminalData(data);
            if (endOfStream) {
                passEnd(true, null);
            }
            return;
        }
        StreamFilter.Dir d = f[0].req;
        append(f[0], d, data, true);
        if (endOfStream) {
            d.endIn = true;
        }
        pump(true, 0);
    }

    void decodeEnd(HeaderMap trailers) {
        StreamFilter.Dir d = f[0].req;
        if (d.endIn) {
            return;
        }
        if (reqOpen) {
            passEnd(true, trailers);
            return;
        }
        d.endIn = true;
        d.trailers = trailers == null || trailers.size() == 0 ? null : trailers;
        pump(true, 0);
    }

    void encodeHeaders(ResponseHead head, Http1Parser.Framing framing, long contentLength) {
        respHead = head;
        respFraming = framing;
        respLength = contentLength;
        respStatus = head.status;
        responseHeaders = new FilterHeaders(head.headers, this);
        StreamFilter.Dir d = f[n - 1].resp;
        d.headersIn = true;
        boolean eos = framing == Http1Parser.Framing.NONE;
        d.headersEos = eos;
        d.endIn = eos;
        pump(false, 0);
    }

    void encodeData(ByteBuf data) {
        if (respOpen) {
            if (s.isDone() || destroyed) {
                data.release();
                return;
            }
            s.writeResponseData(data);
            return;
        }
        StreamFilter.Dir d = f[n - 1].resp;
        append(f[n - 1], d, data, false);
        // the end comes with encodeEnd, once the router has given the upstream connection back
        // to its pool; ending here would make the router drop a connection it still holds
        pump(false, 0);
    }

    void encodeEnd(HeaderMap trailers) {
        StreamFilter.Dir d = f[n - 1].resp;
        if (!d.endIn) {
            if (respOpen) {
                passEnd(false, trailers);
                return;
            }
            d.endIn = true;
            d.trailers = trailers == null || trailers.size() == 0 ? null : trailers;
        }
        pump(false, 0);
    }

    // ---- iteration ------------------------------------------------------------------------

    private StreamFilter at(int k, boolean request) {
        return request ? f[k] : f[n - 1 - k];
    }

    /** Moves everything that can move, from direction-position {@code from} on. */
    private void pump(boolean request, int from) {
        if (pumping) {
            return; // a callback re-entered (continue, local reply): the running pump goes on
        }
        pumping = true;
        try {
            for (int k = from; k < n && !s.isDone() && !destroyed; k++) {
                step(k, request);
            }
        } finally {
            pumping = false;
            carry = NO_READING;
        }
        watermark();
    }

    /**
     * Whether nothing a filter does can touch the rest of a direction whose headers have left the
     * last filter (see {@link #reqOpen}).
     */
    private boolean passesRest(boolean request) {
        int bits =
                request
                        ? ListenerFilters.REQ_BODY | ListenerFilters.REQ_TRAILERS
                        : ListenerFilters.RESP_BODY | ListenerFilters.RESP_TRAILERS;
        for (StreamFilter sf : f) {
            StreamFilter.Dir d = sf.dir(request);
            if (!sf.skipped && ((sf.implementsBits & bits) != 0 || d.paused || d.bufferMax >= 0)) {
                return false;
            }
        }
        return true;
    }

    /** The end of an open direction: marked at every filter, then handed to the kernel. */
    private void passEnd(boolean request, HeaderMap trailers) {
        if (s.isDone() || destroyed) {
            return;
        }
        for (StreamFilter sf : f) {
            StreamFilter.Dir d = sf.dir(request);
            d.endIn = true;
            d.endOut = true;
        }
        HeaderMap t = trailers == null || trailers.size() == 0 ? null : trailers;
        if (request) {
            s.terminalEnd(t);
        } else {
            s.writeResponseEnd(t);
        }
    }

    private void step(int k, boolean request) {
        StreamFilter sf = at(k, request);
        StreamFilter.Dir d = sf.dir(request);
        if (!d.headersIn || d.paused) {
            return;
        }
        if (!d.headersCalled && !sf.skipped) {
            d.headersCalled = true;
            d.bodyEosCalled = d.headersEos;
            FilterStatus st = call(sf, request, HDR, null, d.headersEos);
            if (s.isDone() || destroyed) {
                return;
            }
            if (st == FilterStatus.STOP && !sf.skipped) {
                d.paused = true;
                carry = NO_READING;
                if (request) {
                    s.sendContinue();
                }
                return;
            }
        }
        if (d.bufferMax >= 0 && !sf.skipped) {
            if (!d.endIn) {
                carry = NO_READING;
                if (request) {
                    s.sendContinue();
                }
                return; // whole-body buffering: headers wait for the end
            }
            // the whole body is here: the filter sees it before the headers move on
            if (!callBody(sf, d, request)) {
                return;
            }
            d.bodyEosCalled = true;
        }
        if (!d.headersOut) {
            d.headersOut = true;
            headersOut(k, request);
            if (s.isDone() || destroyed) {
                return;
            }
        }
        if (!callBody(sf, d, request)) {
            return;
        }
        d.resumeBody = false;
        if (d.held != null) {
            ByteBuf b = d.held;
            d.held = null;
            heldBytes -= b.readableBytes();
            dataOut(k, request, b);
            if (s.isDone() || destroyed) {
                return;
            }
        }
        if (d.endIn && !d.endOut) {
            int trBit = request ? ListenerFilters.REQ_TRAILERS : ListenerFilters.RESP_TRAILERS;
            if (d.trailers != null
                    && !d.trailersCalled
                    && !sf.skipped
                    && (sf.implementsBits & trBit) != 0) {
                d.trailersCalled = true;
                FilterStatus st =
                        call(sf, request, TRAILERS, new FilterHeaders(d.trailers, null), false);
                if (s.isDone() || destroyed) {
                    return;
                }
                if (st == FilterStatus.STOP && !sf.skipped) {
                    d.paused = true;
                    return;
                }
            }
            d.endOut = true;
            endOut(k, request, d.trailers);
        }
    }

    /**
     * Offers what is held at {@code sf} to its body callback when it has one and wants it. Returns
     * false when the iteration must stop here (held, paused or the stream ended).
     */
    private boolean callBody(StreamFilter sf, StreamFilter.Dir d, boolean request) {
        boolean eosHere = d.endIn && d.trailers == null;
        int bodyBit = request ? ListenerFilters.REQ_BODY : ListenerFilters.RESP_BODY;
        boolean wantsBody = !sf.skipped && (sf.implementsBits & bodyBit) != 0 && !d.bodyEosCalled;
        if (!wantsBody || d.resumeBody || (d.held == null && !eosHere)) {
            return true;
        }
        if (eosHere) {
            d.bodyEosCalled = true;
        }
        ByteBuf in = d.held != null ? d.held : Unpooled.EMPTY_BUFFER;
        d.held = null;
        heldBytes -= in.readableBytes();
        FilterBody body = new FilterBody(in);
        FilterStatus st;
        try {
            st = call(sf, request, BODY, body, eosHere);
        } finally {
            ByteBuf out = body.take();
            if (body.replaced() && !bodyReplaced(request, d, in, out)) {
                out.release();
            } else if (out.readableBytes() > 0) {
                d.held = out;
                heldBytes += out.readableBytes();
            } else {
                out.release();
            }
        }
        if (s.isDone() || destroyed) {
            return false;
        }
        if (st == FilterStatus.STOP && !sf.skipped) {
            if (eosHere) {
                d.paused = true;
            }
            return false; // held: offered again with the next chunk, or passed on continue
        }
        return true;
    }

    /**
     * A filter replaced a body. When the headers are still held here, {@code content-length} is
     * fixed; otherwise a different length breaks a fixed-length message and fails the stream.
     * Returns false when the stream was failed (the caller releases {@code out}).
     */
    private boolean bodyReplaced(boolean request, StreamFilter.Dir d, ByteBuf in, ByteBuf out) {
        if (!d.headersOut && d.endIn) {
            long len = out.readableBytes();
            if (request) {
                s.head.headers.remove("transfer-encoding");
                s.head.headers.set("content-length", Long.toString(len));
                s.bodyLength = len;
            } else {
                respHead.headers.remove("transfer-encoding");
                respHead.headers.set("content-length", Long.toString(len));
                respFraming = Http1Parser.Framing.CONTENT_LENGTH;
                respLength = len;
            }
            return true;
        }
        boolean fixed =
                request ? s.bodyLength >= 0 : respFraming == Http1Parser.Framing.CONTENT_LENGTH;
        if (fixed && out.readableBytes() != in.readableBytes()) {
            s.sendLocalReply(
                    500,
                    "filter changed the body length after the headers were sent",
                    ResponseFlag.FF.bit(),
                    "filter_body_length_mismatch",
                    false);
            return false;
        }
        return true;
    }

    private void headersOut(int k, boolean request) {
        if (k + 1 < n) {
            StreamFilter.Dir d = at(k + 1, request).dir(request);
            d.headersIn = true;
            d.headersEos = at(k, request).dir(request).headersEos;
            return;
        }
        long t = carry;
        carry = NO_READING; // the kernel's work follows, not a filter
        // from here on, what arrives in this direction may skip the filters; what is held at them
        // still moves on in this pass, before anything new arrives
        if (request) {
            reqOpen = passesRest(true);
            // the router may start its upstream request at the reading that ended the last
            // callback (its service time is in milliseconds): one clock read fewer a request
            s.handoffNanos = t; // NO_READING is NO_HANDOFF
            try {
                s.startTerminal();
            } finally {
                s.handoffNanos = ActiveStream.NO_HANDOFF;
            }
        } else {
            respOpen = passesRest(false);
            // the router may end its upstream time at it when the response ends in this same
            // read (see Router.onResponseHead): one clock read fewer a filtered request
            s.responseHandoffNanos = t;
            ResponseHead h =
                    respStatus == respHead.status
                            ? respHead
                            : new ResponseHead(
                                    respStatus, ActiveStream.reason(respStatus), respHead.headers);
            s.writeResponseHeaders(h, respFraming);
        }
    }

    private void dataOut(int k, boolean request, ByteBuf b) {
        if (k + 1 < n) {
            StreamFilter next = at(k + 1, request);
            append(next, next.dir(request), b, request);
            return;
        }
        carry = NO_READING;
        if (request) {
            s.terminalData(b);
        } else {
            s.writeResponseData(b);
        }
    }

    private void endOut(int k, boolean request, HeaderMap trailers) {
        if (k + 1 < n) {
            StreamFilter.Dir d = at(k + 1, request).dir(request);
            d.endIn = true;
            d.trailers = trailers;
            return;
        }
        carry = NO_READING;
        if (request) {
            s.terminalEnd(trailers);
        } else {
            s.writeResponseEnd(trailers);
        }
    }

    /** Adds {@code b} to what is held at {@code sf}; whole-body buffering enforces its limit. */
    private void append(StreamFilter sf, StreamFilter.Dir d, ByteBuf b, boolean request) {
        if (b.readableBytes() == 0) {
            b.release();
            return;
        }
        heldBytes += b.readableBytes();
        if (d.held == null) {
            d.held = b;
        } else {
            CompositeByteBuf c;
            if (d.held instanceof CompositeByteBuf cb) {
                c = cb;
            } else {
                c = s.hcm.channel.alloc().compositeBuffer(Integer.MAX_VALUE);
                c.addComponent(true, d.held);
                d.held = c;
            }
            c.addComponent(true, b);
        }
        if (d.bufferMax >= 0 && !sf.skipped && d.held.readableBytes() > d.bufferMax) {
            if (request) {
                s.hcm.lr.stats.rqTooLarge.inc(slot);
                s.sendLocalReply(413, "payload too large", 0, "request_payload_too_large", true);
            } else {
                s.sendLocalReply(
                        500,
                        "response body too large for filter " + sf.entry.name,
                        ResponseFlag.FF.bit(),
                        "response_payload_too_large",
                        false);
            }
        }
    }

    /** Stops reading the client while the filters hold more than the connection's buffer limit. */
    private void watermark() {
        if (heldBytes == 0 && !readPaused) {
            return; // nothing held, reading not paused: the usual case, and no change to make
        }
        if (destroyed || s.isDone()) {
            return;
        }
        boolean over = heldBytes > s.hcm.lr.config.perConnectionBufferLimitBytes();
        if (over != readPaused) {
            readPaused = over;
            s.hcm.pauseReadingForFilters(over);
        }
    }

    // ---- calls from filters ---------------------------------------------------------------

    void resume(StreamFilter sf, boolean request) {
        StreamFilter.Dir d = sf.dir(request);
        if (d.paused) {
            d.paused = false;
        } else if (d.held != null) {
            d.resumeBody = true;
        } else {
            return;
        }
        if (d.bufferMax >= 0) {
            d.bufferMax = -1; // the filter let go: nothing more to buffer for it
        }
        int k = request ? sf.pos : n - 1 - sf.pos;
        if (depth == 0) {
            pump(request, k);
        } else {
            // continued from inside a callback: finish that call first
            s.hcm.channel.eventLoop().execute(() -> pump(request, k));
        }
    }

    void localReply(StreamFilter from, LocalReply r) {
        if (s.isDone()) {
            return;
        }
        int flag = 0;
        if (r.responseFlag() != null) {
            ResponseFlag rf = ResponseFlag.byName(r.responseFlag());
            flag = rf == null ? 0 : rf.bit();
        }
        localReplyFrom = from.pos;
        s.sendFilterLocalReply(r, flag, from.entry.name);
    }

    /**
     * A local reply's headers pass the response header callbacks of the filters before the one that
     * sent it (all of them for the kernel's replies) that saw the request headers, in reverse
     * order; their status is ignored.
     */
    void onLocalReplyHeaders(int status, HeaderMap h) {
        respStatus = status;
        responseHeaders = new FilterHeaders(h, this);
        for (int i = Math.min(n, localReplyFrom) - 1; i >= 0; i--) {
            StreamFilter sf = f[i];
            if (sf.req.headersCalled
                    && !sf.skipped
                    && !sf.resp.headersCalled
                    && sf.filter != null) {
                sf.resp.headersCalled = true;
                invoke(sf, () -> sf.filter.onResponseHeaders(responseHeaders, false));
            }
        }
    }

    int localReplyStatus(int status) {
        return respStatus != 0 ? respStatus : status;
    }

    // ---- guarded calls --------------------------------------------------------------------

    private FilterStatus call(StreamFilter sf, boolean request, int what, Object arg, boolean eos) {
        HttpFilter fl = sf.filter;
        if (fl == null || sf.skipped || destroyed) {
            return FilterStatus.CONTINUE;
        }
        // written out rather than through invoke(Runnable): no allocation per callback
        depth++;
        long t0 = startReading();
        FilterStatus st = null;
        Throwable failure = null;
        try {
            st =
                    switch (what) {
                        case HDR ->
                                request
                                        ? fl.onRequestHeaders(requestHeaders, eos)
                                        : fl.onResponseHeaders(responseHeaders, eos);
                        case BODY ->
                                request
                                        ? fl.onRequestBody((FilterBody) arg, eos)
                                        : fl.onResponseBody((FilterBody) arg, eos);
                        default ->
                                request
                                        ? fl.onRequestTrailers((FilterHeaders) arg)
                                        : fl.onResponseTrailers((FilterHeaders) arg);
                    };
        } catch (RuntimeException | LinkageError | StackOverflowError t) {
            failure = t;
        } finally {
            depth--;
        }
        long t1 = System.nanoTime();
        if (!after(sf, t0, t1, failure)) {
            return FilterStatus.CONTINUE;
        }
        carry = t1; // the same pass goes on to the next filter, or hands over and clears it
        return st == null ? FilterStatus.CONTINUE : st;
    }

    /** Runs an asynchronous callback of a stream's filter (timer, call-out, queue). */
    void runCallback(StreamFilter sf, Runnable callback) {
        invoke(sf, callback);
    }

    /**
     * Calls into a filter: timed, counted, and guarded. Returns false when it failed (then its fail
     * policy has been applied).
     */
    private boolean invoke(StreamFilter sf, Runnable call) {
        return timed(sf, call, NO_READING) != NO_READING;
    }

    /**
     * {@link #invoke} from {@code t0} (the clock when {@link #NO_READING}): returns the reading
     * that ended the call, or {@link #NO_READING} when it was not made or failed.
     */
    private long timed(StreamFilter sf, Runnable call, long t0) {
        if (sf.skipped || destroyed) {
            return NO_READING;
        }
        depth++;
        long start = t0 != NO_READING ? t0 : System.nanoTime();
        Throwable failure = null;
        try {
            call.run();
        } catch (RuntimeException | LinkageError | StackOverflowError t) {
            failure = t;
        } finally {
            depth--;
        }
        long end = System.nanoTime();
        return after(sf, start, end, failure) ? end : NO_READING;
    }

    /**
     * Accounts for one call from {@code t0} to {@code t1}: time, count, and a failure (thrown, or
     * over {@code callback_timeout}), which applies the fail policy. Returns false on failure.
     */
    private boolean after(StreamFilter sf, long t0, long t1, Throwable failure) {
        ListenerFilters.Entry e = sf.entry;
        long dt = t1 - t0;
        sf.nanos += dt;
        e.stats.invocations.inc(slot);
        if (failure != null) {
            e.failed(slot, "callback", failure);
        } else if (e.callbackTimeoutNanos > 0 && dt > e.callbackTimeoutNanos) {
            e.overran(slot, "callback", dt);
        } else {
            return true;
        }
        failPolicy(sf);
        return false;
    }

    private void failPolicy(StreamFilter sf) {
        if (sf.entry.failOpen) {
            sf.skipped = true;
            StreamFilter.Dir rq = sf.req;
            StreamFilter.Dir rs = sf.resp;
            boolean moveReq = rq.paused || rq.held != null;
            boolean moveResp = rs.paused || rs.held != null;
            rq.paused = false;
            rs.paused = false;
            if (moveReq && !pumping) {
                s.hcm.channel.eventLoop().execute(() -> pump(true, sf.pos));
            }
            if (moveResp && !pumping) {
                s.hcm.channel.eventLoop().execute(() -> pump(false, n - 1 - sf.pos));
            }
        } else {
            s.sendLocalReply(
                    500,
                    "filter failed",
                    ResponseFlag.FF.bit(),
                    "filter_failed{" + sf.entry.name + "}",
                    false);
        }
    }

    // ---- metadata and pseudo-headers ---------------------------------------------------------

    void setMetadata(String key, Object value) {
        if (metadata == null) {
            metadata = new HashMap<>();
        }
        metadata.put(key, value);
    }

    Object metadata(String key) {
        return metadata == null ? null : metadata.get(key);
    }

    // The response's pseudo-header (:status) for its FilterHeaders: the chain itself, so a
    // response allocates no view object for it.

    @Override
    public String[] names() {
        return STATUS_PSEUDO;
    }

    @Override
    public int count() {
        return 1;
    }

    @Override
    public String get(String name) {
        return name.equals(":status") ? Integer.toString(respStatus) : null;
    }

    @Override
    public void set(String name, String value) {
        if (name.equals(":status")) {
            int st;
            try {
                st = Integer.parseInt(value);
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("invalid :status " + value);
            }
            if (st < 100 || st > 599) {
                throw new IllegalArgumentException("invalid :status " + value);
            }
            respStatus = st;
        }
    }

    int responseStatus() {
        return respStatus;
    }

    // ---- end ------------------------------------------------------------------------------

    /**
     * The stream is over: each filter that saw the request gets {@code onLog}, then every filter
     * {@code onDestroy}; held buffers are released. Done now when no filter callback is running
     * (the usual end: the last response bytes passed the chain); when the stream ends inside a
     * filter's callback (a local reply, a failure), at the end of this event-loop iteration, so no
     * filter is destroyed while one of its callbacks is on the stack. {@code now}: the clock
     * reading the stream finished at, taken just before, where the first callback starts when done
     * now.
     */
    void finish(long now) {
        releaseHeld();
        if (depth == 0 || s.hcm.channel.eventLoop().isShuttingDown()) {
            destroy(now);
            return;
        }
        s.hcm.channel.eventLoop().execute(() -> destroy(NO_READING));
    }

    private void releaseHeld() {
        for (StreamFilter sf : f) {
            if (sf.req.held != null) {
                sf.req.held.release();
                sf.req.held = null;
            }
            if (sf.resp.held != null) {
                sf.resp.held.release();
                sf.resp.held = null;
            }
        }
        heldBytes = 0;
    }

    /**
     * Ends every filter of the stream. {@code now} is a clock reading taken just before (the
     * stream's finish), which the first callback starts at, or {@link #NO_READING}.
     */
    private void destroy(long now) {
        if (destroyed) {
            return;
        }
        // onLog, then onDestroy, of every filter: adjacent calls share a reading as in a pass
        long t = now;
        for (StreamFilter sf : f) {
            if (sf.filter != null
                    && sf.req.headersCalled
                    && !sf.skipped
                    && (sf.implementsBits & ListenerFilters.ON_LOG) != 0) {
                t = timed(sf, sf.filter::onLog, t);
            }
        }
        destroyed = true;
        for (StreamFilter sf : f) {
            if (sf.filter != null && (sf.implementsBits & ListenerFilters.ON_DESTROY) != 0) {
                HttpFilter fl = sf.filter;
                long t0 = t != NO_READING ? t : System.nanoTime();
                try {
                    fl.onDestroy();
                } catch (RuntimeException | LinkageError | StackOverflowError x) {
                    sf.entry.failed(slot, "onDestroy", x);
                }
                t = System.nanoTime();
                sf.nanos += t - t0;
                sf.entry.stats.invocations.inc(slot);
            }
        }
        for (StreamFilter sf : f) { // after the last onDestroy: kept out of the readings above
            sf.end();
            sf.entry.stats.duration.record(slot, sf.nanos / 1e9);
        }
        releaseHeld();
        if (s.span != null && s.hcm.lr.filterSpans && s.span.isSampled()) {
            filterSpans();
        }
        roots.streamEnded();
    }

    /**
     * One INTERNAL child of the stream's span per filter, over the stream's time, with the time the
     * filter's callbacks took on this request ({@code weir.filter.time_us}).
     */
    private void filterSpans() {
        long start = s.span.epochNanos(s.startNanos);
        long end = s.span.epochNanos(s.finishNanos); // destroy follows the stream's finish
        for (StreamFilter sf : f) {
            io.weir.spi.tracing.TraceSpan c =
                    s.span.startChild(sf.entry.name, io.weir.spi.tracing.SpanKind.INTERNAL, start);
            c.setAttribute("weir.filter.time_us", sf.nanos / 1000);
            c.end(end);
        }
    }
}
