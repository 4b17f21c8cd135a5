package io.weir.kernel.http;

import io.weir.kernel.stats.Counter;
import io.weir.kernel.stats.Gauge;
import io.weir.kernel.stats.Histogram;
import io.weir.kernel.stats.Stats;

/** A listener's stats (Envoy's {@code http.<listener>.*} with the prefix {@code weir_http_}). */
public final class ListenerStats {
    public final Counter rqTotal;
    public final Counter[] rqXx = new Counter[5];
    public final Counter cxTotal;
    public final Gauge cxActive;
    public final Gauge rqActive;
    public final Counter cxProtocolError;
    public final Counter rqTimeout;
    public final Counter cxIdleTimeout;
    public final Counter rqTooLarge;
    public final Counter rqNoRoute;
    public final Counter cxDestroyRemoteActiveRq;
    public final Histogram rqTime;

    public ListenerStats(Stats s, String listener) {
        rqTotal =
                s.counter(
                        "weir_http_downstream_rq_total",
                        "Downstream requests",
                        "listener",
                        listener);
        for (int i = 0; i < 5; i++) {
            rqXx[i] =
                    s.counter(
                            "weir_http_downstream_rq_xx",
                            "Downstream responses by status class",
                            "listener",
                            listener,
                            "code_class",
                            (i + 1) + "xx");
        }
        cxTotal =
                s.counter(
                        "weir_http_downstream_cx_total",
                        "Downstream connections accepted",
                        "listener",
                        listener);
        cxActive =
                s.gauge(
                        "weir_http_downstream_cx_active",
                        "Downstream connections open",
                        "listener",
                        listener);
        rqActive =
                s.gauge(
                        "weir_http_downstream_rq_active",
                        "Downstream requests in flight",
                        "listener",
                        listener);
        cxProtocolError =
                s.counter(
                        "weir_http_downstream_cx_protocol_error",
                        "Downstream connections closed for a malformed request",
                        "listener",
                        listener);
        rqTimeout =
                s.counter(
                        "weir_http_downstream_rq_header_timeout",
                        "Requests whose headers did not arrive in time (408)",
                        "listener",
                        listener);
        cxIdleTimeout =
                s.counter(
                        "weir_http_downstream_cx_idle_timeout",
                        "Idle downstream connections closed",
                        "listener",
                        listener);
        rqTooLarge =
                s.counter(
                        "weir_http_downstream_rq_too_large",
                        "Requests refused for their body size (413)",
                        "listener",
                        listener);
        rqNoRoute =
                s.counter(
                        "weir_http_no_route",
                        "Requests that matched no route (404)",
                        "listener",
                        listener);
        cxDestroyRemoteActiveRq =
                s.counter(
                        "weir_http_downstream_cx_destroy_remote_active_rq",
                        "Downstream connections closed by the client mid-request",
                        "listener",
                        listener);
        rqTime =
                s.histogram(
                        "weir_http_downstream_rq_time",
                        "Downstream request time in milliseconds",
                        Stats.DEFAULT_MS_BUCKETS,
                        "listener",
                        listener);
    }

    public void countResponse(int slot, int status) {
        int c = status / 100;
        if (c >= 1 && c <= 5) {
            rqXx[c - 1].inc(slot);
        }
    }
}
