package io.weir.examples.addheader;

import io.weir.spi.FilterStatus;
import io.weir.spi.Headers;
import io.weir.spi.HttpFilter;
import io.weir.spi.StreamContext;

/**
 * Sets the configured header on the request sent upstream and on the response sent to the client,
 * replacing any value the client or the upstream sent. Only header callbacks: Weir skips the body
 * callbacks, so the filter costs nothing per body chunk. It reads {@link StreamContext#config()} on
 * each call, so a route's {@code per_filter_config} override applies without any code here.
 */
final class AddHeaderFilter implements HttpFilter {
    private final StreamContext ctx;

    AddHeaderFilter(StreamContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public FilterStatus onRequestHeaders(Headers headers, boolean endOfStream) {
        return set(headers);
    }

    @Override
    public FilterStatus onResponseHeaders(Headers headers, boolean endOfStream) {
        return set(headers);
    }

    private FilterStatus set(Headers headers) {
        AddHeaderConfig config = (AddHeaderConfig) ctx.config();
        headers.set(config.header(), config.value());
        return FilterStatus.CONTINUE;
    }
}
