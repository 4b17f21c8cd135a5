package io.weir.kernel.upstream;

import io.weir.kernel.stats.Counter;
import io.weir.kernel.stats.Gauge;
import io.weir.kernel.stats.Histogram;
import io.weir.kernel.stats.Stats;

/** A cluster's stats (Envoy's {@code cluster.<name>.*} with the prefix {@code weir_cluster_}). */
public final class ClusterStats {
    public final Counter rqTotal;
    public final Counter[] rqXx = new Counter[5];
    public final Counter cxTotal;
    public final Gauge cxActive;
    public final Counter cxConnectFail;
    public final Counter cxConnectTimeout;
    public final Counter rqTimeout;
    public final Counter rqPendingOverflow;
    public final Counter rqRetry;
    public final Counter cxDestroyRemote;
    public final Counter protocolError;
    public final Gauge rqActive;
    public final Histogram rqTime;

    public ClusterStats(Stats s, String cluster) {
        rqTotal =
                s.counter(
                        "weir_cluster_upstream_rq_total", "Upstream requests", "cluster", cluster);
        for (int i = 0; i < 5; i++) {
            rqXx[i] =
                    s.counter(
                            "weir_cluster_upstream_rq_xx",
                            "Upstream responses by status class",
                            "cluster",
                            cluster,
                            "code_class",
                            (i + 1) + "xx");
        }
        cxTotal =
                s.counter(
                        "weir_cluster_upstream_cx_total",
                        "Upstream connections opened",
                        "cluster",
                        cluster);
        cxActive =
                s.gauge(
                        "weir_cluster_upstream_cx_active",
                        "Upstream connections open",
                        "cluster",
                        cluster);
        cxConnectFail =
                s.counter(
                        "weir_cluster_upstream_cx_connect_fail",
                        "Upstream connect failures",
                        "cluster",
                        cluster);
        cxConnectTimeout =
                s.counter(
                        "weir_cluster_upstream_cx_connect_timeout",
                        "Upstream connect timeouts",
                        "cluster",
                        cluster);
        rqTimeout =
                s.counter(
                        "weir_cluster_upstream_rq_timeout",
                        "Upstream requests timed out",
                        "cluster",
                        cluster);
        rqPendingOverflow =
                s.counter(
                        "weir_cluster_upstream_rq_pending_overflow",
                        "Requests refused: pending queue full",
                        "cluster",
                        cluster);
        rqRetry =
                s.counter(
                        "weir_cluster_upstream_rq_retry",
                        "Requests retried on a fresh connection after a reused one closed",
                        "cluster",
                        cluster);
        cxDestroyRemote =
                s.counter(
                        "weir_cluster_upstream_cx_destroy_remote",
                        "Upstream connections closed by the upstream",
                        "cluster",
                        cluster);
        protocolError =
                s.counter(
                        "weir_cluster_upstream_cx_protocol_error",
                        "Malformed upstream responses",
                        "cluster",
                        cluster);
        rqActive =
                s.gauge(
                        "weir_cluster_upstream_rq_active",
                        "Upstream requests in flight",
                        "cluster",
                        cluster);
        rqTime =
                s.histogram(
                        "weir_cluster_upstream_rq_time",
                        "Upstream request time in milliseconds (headers sent to response complete)",
                        Stats.DEFAULT_MS_BUCKETS,
                        "cluster",
                        cluster);
    }

    public void countResponse(int slot, int status) {
        int c = status / 100;
        if (c >= 1 && c <= 5) {
            rqXx[c - 1].inc(slot);
        }
    }
}
