package io.weir.spi.tracing;

/** What a span stands for, as in OpenTelemetry. */
public enum SpanKind {
    /** A request Weir received. */
    SERVER,
    /** A request Weir sent: an upstream attempt or a call-out. */
    CLIENT,
    /** Work inside Weir, such as one filter's share of a request. */
    INTERNAL
}
