package io.weir.filters.apikey;

import io.weir.spi.FilterStatus;
import io.weir.spi.Headers;
import io.weir.spi.HttpFilter;
import io.weir.spi.LocalReply;
import io.weir.spi.StreamContext;

/**
 * One request through {@code weir.api_key}: removes a client-sent consumer header, finds the key
 * (first source wins), compares its SHA-256 with every configured hash in constant time, and either
 * forwards the request with the consumer (header and {@code api_key.consumer} metadata, the key
 * stripped unless {@code forward}) or answers 401 with {@code www-authenticate: ApiKey}.
 */
final class ApiKeyFilter implements HttpFilter {
    static final String MISSING = "API key is missing";
    static final String INVALID = "API key is invalid";
    static final String METADATA = "api_key.consumer";

    private final StreamContext ctx;
    private final ApiKeyFilterFactory.Root root;

    ApiKeyFilter(StreamContext ctx, ApiKeyFilterFactory.Root root) {
        this.ctx = ctx;
        this.root = root;
    }

    @Override
    public FilterStatus onRequestHeaders(Headers headers, boolean endOfStream) {
        ApiKeyConfig c = (ApiKeyConfig) ctx.config();
        c.store().attach(root.reloads); // a route override's block has its own store
        headers.remove(c.consumerHeader()); // never trust a client-sent consumer
        String key = null;
        for (KeySource s : c.from()) {
            key = s.find(headers);
            if (key != null) {
                break;
            }
        }
        if (key == null) {
            return deny(MISSING, "missing", "api_key_missing");
        }
        String consumer = c.store().current().match(KeySet.sha256(key));
        if (consumer == null) {
            return deny(INVALID, "invalid", "api_key_invalid");
        }
        if (!c.forward()) {
            for (KeySource s : c.from()) {
                s.strip(headers);
            }
        }
        headers.set(c.consumerHeader(), consumer);
        ctx.setMetadata(METADATA, consumer);
        root.allowed.inc();
        return FilterStatus.CONTINUE;
    }

    private FilterStatus deny(String body, String reason, String details) {
        root.denied.inc(reason);
        ctx.sendLocalReply(
                LocalReply.status(401)
                        .body(body)
                        .header("www-authenticate", "ApiKey")
                        .details(details)
                        .build());
        return FilterStatus.STOP;
    }
}
