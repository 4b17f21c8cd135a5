package io.weir.examples.allowlist;

import io.weir.spi.FilterStatus;
import io.weir.spi.Headers;
import io.weir.spi.HttpCallRequest;
import io.weir.spi.HttpCallResponse;
import io.weir.spi.HttpFilter;
import io.weir.spi.LocalReply;
import io.weir.spi.SharedData;
import io.weir.spi.StreamContext;
import java.nio.charset.StandardCharsets;

/**
 * One request: reads the user header, answers from the shared cache when it can, otherwise pauses
 * the request, asks the service {@code GET {path_prefix}{user}} and continues or answers 403. Only
 * {@link #onRequestHeaders}: bodies pass untouched and cost nothing.
 */
final class AllowListFilter implements HttpFilter {
    private final StreamContext ctx;
    private final AllowListRoot root;
    private String cacheKey;
    private long seenVersion;

    AllowListFilter(StreamContext ctx, AllowListRoot root) {
        this.ctx = ctx;
        this.root = root;
    }

    @Override
    public FilterStatus onRequestHeaders(Headers headers, boolean endOfStream) {
        AllowListConfig config = (AllowListConfig) ctx.config();
        String user = headers.get(config.header());
        if (user == null || user.isEmpty()) {
            root.count("missing_header");
            ctx.sendLocalReply(
                    LocalReply.status(401)
                            .body("missing " + config.header() + "\n")
                            .details("allow_list_missing_header")
                            .build());
            return FilterStatus.STOP;
        }
        String path = config.pathPrefix() + encodeSegment(user);
        if (!config.cacheTtl().isZero()) {
            cacheKey = config.cluster() + " " + path;
            SharedData.Entry entry = ctx.sharedData().get(cacheKey);
            seenVersion = entry == null ? 0 : entry.version();
            Boolean cached = DecisionCache.fresh(entry, ctx.currentTimeMillis());
            if (cached != null) {
                return decide(cached);
            }
        }
        ctx.httpCall(config.cluster(), HttpCallRequest.get(path), config.timeout(), this::onAnswer);
        return FilterStatus.STOP;
    }

    /** The service's answer, on this stream's worker; never called once the stream has ended. */
    private void onAnswer(HttpCallResponse answer) {
        AllowListConfig config = (AllowListConfig) ctx.config();
        int status = answer.status();
        boolean decided = answer.ok() && (status / 100 == 2 || status == 403 || status == 404);
        if (decided) {
            boolean allowed = status / 100 == 2;
            if (cacheKey != null) {
                long expiry = ctx.currentTimeMillis() + config.cacheTtl().toMillis();
                DecisionCache.store(ctx.sharedData(), cacheKey, allowed, expiry, seenVersion);
            }
            if (decide(allowed) == FilterStatus.CONTINUE) {
                ctx.continueRequest();
            }
            return;
        }
        root.warnFailure(config.cluster(), answer.ok() ? "status_" + status : answer.failure());
        if (config.failureModeAllow()) {
            root.count("failure_allowed");
            ctx.continueRequest();
        } else {
            root.count("failure_denied");
            ctx.sendLocalReply(
                    LocalReply.status(503)
                            .body("allow list unavailable\n")
                            .details("allow_list_unavailable")
                            .responseFlag("UAEX")
                            .build());
        }
    }

    private FilterStatus decide(boolean allowed) {
        if (allowed) {
            root.count("allowed");
            return FilterStatus.CONTINUE;
        }
        root.count("denied");
        ctx.sendLocalReply(
                LocalReply.status(403)
                        .body("forbidden\n")
                        .details("allow_list_denied")
                        .responseFlag("UAEX")
                        .build());
        return FilterStatus.STOP;
    }

    /**
     * Percent-encodes {@code value} as one path segment: only letters, digits, {@code -}, {@code _}
     * and {@code ~} stay, so a value cannot add segments ({@code /}, {@code ..}) or a query.
     */
    static String encodeSegment(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '_'
                    || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
                out.append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return out.toString();
    }
}
