package io.weir.kernel.http;

import io.netty.buffer.ByteBuf;
import io.weir.kernel.http1.HeaderMap;
import io.weir.spi.HttpFilter;
import io.weir.spi.LocalReply;
import io.weir.spi.StreamContext;

/**
 * One filter of one stream: the {@link HttpFilter}, its {@link StreamContext}, and what the chain
 * holds at this filter in each direction. Worker thread only.
 */
final class StreamFilter extends FilterContextBase implements StreamContext {
    final FilterChain chain;
    final Object config;
    final int pos;
    HttpFilter filter;
    int implementsBits;

    /** fail_open after a failure: transparent for the rest of the stream. */
    boolean skipped;

    long nanos;
    final Dir req = new Dir();
    final Dir resp = new Dir();

    /** What one direction holds at this filter. */
    static final class Dir {
        boolean headersIn;
        boolean headersCalled;
        boolean headersOut;
        boolean headersEos;
        boolean paused;
        boolean resumeBody;
        boolean bodyEosCalled;
        ByteBuf held;
        boolean endIn;
        boolean endOut;
        boolean trailersCalled;
        HeaderMap trailers;
        int bufferMax = -1;
    }

    StreamFilter(FilterChain chain, ListenerFilters.Entry entry, Object config, int pos) {
        super(entry, chain.s.hcm.worker, chain.services);
        this.chain = chain;
        this.config = config;
        this.pos = pos;
    }

    Dir dir(boolean request) {
        return request ? req : resp;
    }

    @Override
    void runCallback(Runnable callback) {
        chain.runCallback(this, callback);
    }

    @Override
    public Object config() {
        return config;
    }

    @Override
    public io.weir.spi.Headers requestHeaders() {
        return gone() ? null : chain.requestHeaders;
    }

    @Override
    public io.weir.spi.Headers responseHeaders() {
        return gone() ? null : chain.responseHeaders;
    }

    @Override
    public void continueRequest() {
        if (!gone()) {
            chain.resume(this, true);
        }
    }

    @Override
    public void continueResponse() {
        if (!gone()) {
            chain.resume(this, false);
        }
    }

    @Override
    public void sendLocalReply(LocalReply reply) {
        if (!gone()) {
            chain.localReply(this, reply);
        }
    }

    @Override
    public void resetStream() {
        if (!gone()) {
            chain.s.resetStream(
                    io.weir.kernel.accesslog.ResponseFlag.LR.bit(),
                    "filter_reset{" + entry.name + "}");
        }
    }

    @Override
    public void addResponseFlag(String flag) {
        if (!gone()) {
            io.weir.kernel.accesslog.ResponseFlag f =
                    io.weir.kernel.accesslog.ResponseFlag.byName(flag);
            if (f != null) {
                chain.s.addFlag(f.bit());
            }
        }
    }

    @Override
    public void bufferRequestBody(int maxBytes) {
        if (!gone()) {
            req.bufferMax = Math.max(0, maxBytes);
        }
    }

    @Override
    public void bufferResponseBody(int maxBytes) {
        if (!gone()) {
            resp.bufferMax = Math.max(0, maxBytes);
        }
    }

    @Override
    io.weir.spi.tracing.TraceSpan traceParent() {
        return chain.s.span;
    }

    @Override
    public String property(String name) {
        return gone() ? null : chain.s.property(name, this);
    }

    @Override
    public void setMetadata(String key, Object value) {
        if (!gone()) {
            chain.setMetadata(key, value);
        }
    }

    @Override
    public Object metadata(String key) {
        return gone() ? null : chain.metadata(key);
    }
}
