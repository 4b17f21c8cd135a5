package io.weir.filters.headermutation;

import io.weir.spi.ConfigNode;
import java.util.Objects;

/**
 * The config of {@code weir.header_mutation}: the mutations of the request headers (before they go
 * upstream) and of the response headers (before they go to the client). Immutable; shared by every
 * worker.
 *
 * @param request applied in {@code onRequestHeaders}
 * @param response applied in {@code onResponseHeaders}, to the upstream's response and to local
 *     replies of later filters
 */
record HeaderMutationConfig(Mutations request, Mutations response) {
    HeaderMutationConfig {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(response, "response");
    }

    /** Binds {@code {request: {...}, response: {...}}}; null after an error. */
    static HeaderMutationConfig from(ConfigNode node) {
        if (!node.expectMap("request", "response")) {
            return null;
        }
        Mutations request = Mutations.from(node.get("request"));
        Mutations response = Mutations.from(node.get("response"));
        return request == null || response == null
                ? null
                : new HeaderMutationConfig(request, response);
    }
}
