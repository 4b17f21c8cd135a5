package io.weir.kernel.http;

import io.weir.kernel.http1.HeaderMap;
import io.weir.spi.tracing.HeaderWriter;
import io.weir.spi.tracing.SpanKind;
import io.weir.spi.tracing.TraceSpan;

/**
 * The kernel's side of the tracing SPI: header adapters and the attributes of CLIENT spans. Used
 * only when a tracer is configured; without one nothing here runs. Worker thread only.
 */
final class Tracing {
    private Tracing() {}

    /** Writes into a request's header map (for {@link TraceSpan#inject}). */
    static HeaderWriter writer(HeaderMap h) {
        return new HeaderWriter() {
            @Override
            public void set(String name, String value) {
                h.set(name, value);
            }

            @Override
            public void remove(String name) {
                h.remove(name);
            }
        };
    }

    /** A CLIENT child of {@code parent} whose context goes into {@code h}. */
    static TraceSpan startClient(TraceSpan parent, String name, HeaderMap h) {
        TraceSpan span = parent.startChild(name, SpanKind.CLIENT);
        span.inject(writer(h));
        return span;
    }

    /**
     * {@link #peer} for a value that repeats (a connection's authority, a cluster's host): the last
     * split is kept, so a repeated value costs no substring or parse. One per connection; worker
     * thread only.
     */
    static final class PeerCache {
        private String key;
        private String host;
        private long port = -1;

        void apply(TraceSpan span, String hostPort) {
            if (hostPort == null) {
                return;
            }
            if (!hostPort.equals(key)) {
                key = hostPort;
                host = hostPort;
                port = -1;
                int colon = hostPort.lastIndexOf(':');
                if (colon > 0 && hostPort.indexOf(']') < colon) {
                    String h = hostPort.substring(0, colon);
                    if (h.startsWith("[") && h.endsWith("]")) {
                        h = h.substring(1, h.length() - 1);
                    }
                    try {
                        port = Long.parseLong(hostPort.substring(colon + 1));
                        host = h;
                    } catch (NumberFormatException e) {
                        host = h; // not a port: the address alone
                    }
                }
            }
            span.setAttribute("server.address", host);
            if (port >= 0) {
                span.setAttribute("server.port", port);
            }
        }
    }

    /** {@code server.address} and {@code server.port} of an upstream {@code HOST:PORT}. */
    static void peer(TraceSpan span, String hostPort) {
        new PeerCache().apply(span, hostPort); // a call-out: once per traced call
    }

    /** {@code http.response.status_code}, and an error status for a 5xx. */
    static void status(TraceSpan span, int status) {
        span.setAttribute("http.response.status_code", status);
        if (status >= 500) {
            span.setError(null);
        }
    }
}
