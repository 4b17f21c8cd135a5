package io.weir.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A response made by a filter instead of the upstream's. Immutable and thread-safe (the header list
 * is copied); build it anywhere, send it from the stream's worker.
 *
 * @param status the HTTP status, 200 to 599
 * @param body the body, sent as {@code text/plain; charset=utf-8} unless {@code headers} sets a
 *     {@code content-type}; null or empty for none
 * @param headers extra response headers, in order
 * @param details the reason, for the access log's {@code %RESPONSE_CODE_DETAILS%}, such as {@code
 *     local_rate_limited}
 * @param responseFlag an Envoy response flag for the access log and metrics, such as {@code RL},
 *     {@code UAEX}, {@code FI}; null for none
 */
public record LocalReply(
        int status,
        String body,
        List<Map.Entry<String, String>> headers,
        String details,
        String responseFlag) {
    public LocalReply {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException(
                    "local reply status must be 200..599 (was " + status + ")");
        }
        headers = headers == null ? List.of() : List.copyOf(headers);
    }

    /** A builder for {@code status}. */
    public static Builder status(int status) {
        return new Builder(status);
    }

    /** Builds a {@link LocalReply}. Not thread-safe. */
    public static final class Builder {
        private final int status;
        private String body;
        private final List<Map.Entry<String, String>> headers = new ArrayList<>();
        private String details;
        private String flag;

        private Builder(int status) {
            this.status = status;
        }

        public Builder body(String body) {
            this.body = body;
            return this;
        }

        public Builder header(String name, String value) {
            headers.add(Map.entry(name, value));
            return this;
        }

        public Builder details(String details) {
            this.details = details;
            return this;
        }

        public Builder responseFlag(String flag) {
            this.flag = flag;
            return this;
        }

        public LocalReply build() {
            return new LocalReply(status, body, headers, details, flag);
        }
    }
}
