package io.weir.kernel.stats;

import io.weir.spi.tracing.TraceSpan;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Istio's standard metrics ({@code istio_requests_total}, {@code
 * istio_request_duration_milliseconds}, {@code istio_request_bytes}, {@code istio_response_bytes})
 * with Istio's labels, counted once per finished request.
 *
 * <p>This proxy's identity (workload, namespace, app, version, mesh cluster, service) is fixed at
 * start; the peer's is {@code unknown}, as Weir has no Istio metadata exchange. A listener reports
 * as the {@code destination} (inbound: this workload serves the request) or as the {@code source}
 * (outbound: this workload sends it), see {@link #reporter}.
 *
 * <p>Threading: {@link Reporter#record} is called by worker {@code w} with slot {@code w} (or by
 * any thread with {@link Stats#otherSlot()}); each slot keeps its own cache of series per label
 * tuple, so a request whose labels were seen before on its worker allocates nothing.
 */
public final class IstioMetrics {
    /** Istio's value for a label that is not known. */
    public static final String UNKNOWN = "unknown";

    /** Istio's byte buckets for {@code istio_request_bytes} and {@code istio_response_bytes}. */
    public static final double[] BYTE_BUCKETS = {
        1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000
    };

    /** Distinct authorities an outbound reporter keeps per worker before using {@code unknown}. */
    static final int MAX_SERVICES_PER_SLOT = 1000;

    private static final Pattern DEPLOYMENT_POD =
            Pattern.compile(
                    "(.+)-[bcdfghjklmnpqrstvwxz2456789]{6,10}-[bcdfghjklmnpqrstvwxz2456789]{5}");
    private static final Pattern GENERATED_POD =
            Pattern.compile("(.+)-[bcdfghjklmnpqrstvwxz2456789]{5}");

    /**
     * This workload, as Istio labels it.
     *
     * @param workload {@code source_workload} / {@code destination_workload}
     * @param namespace the workload's namespace
     * @param app its {@code app} label
     * @param version its {@code version} label
     * @param cluster the mesh cluster ({@code source_cluster} / {@code destination_cluster})
     * @param service the fully qualified name of the service it serves ({@code
     *     reviews.default.svc.cluster.local}): {@code destination_service} of inbound requests
     */
    public record Identity(
            String workload,
            String namespace,
            String app,
            String version,
            String cluster,
            String service) {}

    private final Stats stats;
    private final Identity self;
    private final Reporter destination;
    private final Reporter source;

    public IstioMetrics(Stats stats, Identity self) {
        this.stats = stats;
        this.self = self;
        this.destination = new Reporter(false);
        this.source = new Reporter(true);
    }

    public Identity self() {
        return self;
    }

    /**
     * The reporter of a listener: {@code reporter="source"} for an outbound listener, {@code
     * destination} otherwise. Both are shared by every listener of that direction.
     */
    public Reporter reporter(boolean outbound) {
        return outbound ? source : destination;
    }

    /**
     * The workload name Istio would show for a pod: {@code reviews-v1-545db77b95-x7k2p} (a
     * Deployment's pod: ReplicaSet hash and pod suffix) gives {@code reviews-v1}, {@code
     * fluentd-x7k2p} (a DaemonSet's, a Job's or a bare ReplicaSet's pod) gives {@code fluentd};
     * other names (a StatefulSet's {@code web-0}, a bare pod) are kept. Null or empty gives null.
     */
    public static String workloadFromPodName(String pod) {
        if (pod == null || pod.isEmpty()) {
            return null;
        }
        var m = DEPLOYMENT_POD.matcher(pod);
        if (m.matches()) {
            return m.group(1);
        }
        m = GENERATED_POD.matcher(pod);
        if (m.matches()) {
            return m.group(1);
        }
        return pod;
    }

    /** {@code reviews.default.svc.cluster.local} gives {@code reviews}, else the host itself. */
    static String serviceName(String fqdn) {
        int dot = fqdn.indexOf('.');
        return dot < 0 ? fqdn : fqdn.substring(0, dot);
    }

    /** The namespace of {@code name.namespace.svc...}, else {@code unknown}. */
    static String serviceNamespace(String fqdn) {
        int dot = fqdn.indexOf('.');
        if (dot < 0) {
            return UNKNOWN;
        }
        int next = fqdn.indexOf('.', dot + 1);
        if (next < 0 || !fqdn.startsWith("svc", next + 1)) {
            return UNKNOWN;
        }
        return fqdn.substring(dot + 1, next);
    }

    /** The host of an authority without its port, lower case; null for null or empty. */
    static String host(String authority) {
        if (authority == null || authority.isEmpty()) {
            return null;
        }
        String h = authority;
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            h = close < 0 ? h : h.substring(0, close + 1);
        } else {
            int colon = h.lastIndexOf(':');
            if (colon >= 0) {
                h = h.substring(0, colon);
            }
        }
        return h.isEmpty() ? null : h.toLowerCase(Locale.ROOT);
    }

    /** The four metrics of one label tuple. */
    private static final class Series {
        final Counter requests;
        final Histogram duration;
        final Histogram requestBytes;
        final Histogram responseBytes;

        Series(Stats stats, String[] labels) {
            requests = stats.counter("istio_requests_total", "Requests, Istio standard", labels);
            duration =
                    stats.histogram(
                            "istio_request_duration_milliseconds",
                            "Request duration in milliseconds, Istio standard",
                            Stats.DEFAULT_MS_BUCKETS,
                            labels);
            requestBytes =
                    stats.histogram(
                            "istio_request_bytes",
                            "Request body sizes in bytes, Istio standard",
                            BYTE_BUCKETS,
                            labels);
            responseBytes =
                    stats.histogram(
                            "istio_response_bytes",
                            "Response body sizes in bytes, Istio standard",
                            BYTE_BUCKETS,
                            labels);
        }
    }

    /** The requests of the listeners reporting as source or as destination. */
    public final class Reporter {
        private final boolean outbound;

        /** Per slot: destination service key ("" inbound) to (code, flags) to series. */
        private final SlotCache[] slots;

        Reporter(boolean outbound) {
            this.outbound = outbound;
            this.slots = new SlotCache[stats.workers() + 1];
            for (int i = 0; i < slots.length; i++) {
                slots[i] = new SlotCache();
            }
        }

        String inboundService() {
            return self.service();
        }

        /** {@code source} or {@code destination}. */
        public String name() {
            return outbound ? "source" : "destination";
        }

        /**
         * Counts one finished request.
         *
         * @param slot the caller's slot
         * @param authority the request's host (outbound: names the destination service)
         * @param responseCode the status sent, 0 when none was
         * @param responseFlags the stream's response flag bits
         * @param flagsText their text ({@code UH,UF} or {@code -}); read only on a cache miss
         * @param durationMs request duration
         * @param requestBytes request body bytes received
         * @param responseBytes response body bytes sent
         * @param span the request's SERVER span when it is sampled, else null (a possible exemplar)
         * @param epochMillis when the request ended
         */
        public void record(
                int slot,
                String authority,
                int responseCode,
                int responseFlags,
                java.util.function.IntFunction<String> flagsText,
                double durationMs,
                long requestBytes,
                long responseBytes,
                TraceSpan span,
                long epochMillis) {
            SlotCache cache = slots[slot];
            Series s;
            if (slot == stats.workers()) {
                synchronized (cache) {
                    s = cache.get(this, authority, responseCode, responseFlags, flagsText);
                }
            } else {
                s = cache.get(this, authority, responseCode, responseFlags, flagsText);
            }
            s.requests.inc(slot);
            s.duration.record(slot, durationMs, span, epochMillis);
            s.requestBytes.record(slot, requestBytes);
            s.responseBytes.record(slot, responseBytes);
        }

        Series create(String destinationService, int code, String flags) {
            String[] l = labels(destinationService, code, flags);
            return new Series(stats, l);
        }

        private String[] labels(String service, int code, String flags) {
            Identity me = self;
            boolean src = outbound;
            String svc = service == null ? UNKNOWN : service;
            return new String[] {
                "reporter", name(),
                "source_workload", src ? me.workload() : UNKNOWN,
                "source_workload_namespace", src ? me.namespace() : UNKNOWN,
                "source_principal", UNKNOWN,
                "source_app", src ? me.app() : UNKNOWN,
                "source_version", src ? me.version() : UNKNOWN,
                "source_cluster", src ? me.cluster() : UNKNOWN,
                "destination_workload", src ? UNKNOWN : me.workload(),
                "destination_workload_namespace", src ? UNKNOWN : me.namespace(),
                "destination_principal", UNKNOWN,
                "destination_app", src ? UNKNOWN : me.app(),
                "destination_version", src ? UNKNOWN : me.version(),
                "destination_service", svc,
                "destination_service_name", svc.equals(UNKNOWN) ? UNKNOWN : serviceName(svc),
                "destination_service_namespace",
                        src
                                ? (svc.equals(UNKNOWN) ? UNKNOWN : serviceNamespace(svc))
                                : me.namespace(),
                "destination_cluster", src ? UNKNOWN : me.cluster(),
                "request_protocol", "http",
                "response_code", Integer.toString(code),
                "grpc_response_status", "",
                "response_flags", flags,
                "connection_security_policy", src ? UNKNOWN : "none"
            };
        }
    }

    /** One slot's series: by authority (outbound) then by (code, flags). Owner thread only. */
    private static final class SlotCache {
        private final Map<String, LongMap> byAuthority = new HashMap<>();
        private LongMap inbound;
        private LongMap overflow;

        Series get(
                Reporter r,
                String authority,
                int code,
                int flags,
                java.util.function.IntFunction<String> flagsText) {
            LongMap m;
            String service;
            if (!r.outbound) {
                if (inbound == null) {
                    inbound = new LongMap();
                }
                m = inbound;
                service = r.inboundService();
            } else {
                String key = authority == null ? "" : authority;
                m = byAuthority.get(key);
                service = null;
                if (m == null) {
                    if (byAuthority.size() >= MAX_SERVICES_PER_SLOT) {
                        if (overflow == null) {
                            overflow = new LongMap();
                        }
                        m = overflow;
                    } else {
                        m = new LongMap();
                        byAuthority.put(key, m);
                        m.service = host(authority);
                    }
                }
                service = m.service;
            }
            long k = ((long) flags << 32) | (code & 0xffffffffL);
            Series s = m.get(k);
            if (s == null) {
                s = r.create(service, code, flagsText.apply(flags));
                m.put(k, s);
            }
            return s;
        }
    }

    /** A small open-addressing map from long keys to series. Owner thread only. */
    private static final class LongMap {
        String service;
        private long[] keys = new long[8];
        private Series[] values = new Series[8];
        private int size;

        Series get(long key) {
            int mask = keys.length - 1;
            for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
                Series v = values[i];
                if (v == null) {
                    return null;
                }
                if (keys[i] == key) {
                    return v;
                }
            }
        }

        void put(long key, Series value) {
            if ((size + 1) * 2 > keys.length) {
                long[] oldKeys = keys;
                Series[] oldValues = values;
                keys = new long[oldKeys.length * 2];
                values = new Series[oldKeys.length * 2];
                size = 0;
                for (int i = 0; i < oldKeys.length; i++) {
                    if (oldValues[i] != null) {
                        put(oldKeys[i], oldValues[i]);
                    }
                }
            }
            int mask = keys.length - 1;
            int i = mix(key) & mask;
            while (values[i] != null && keys[i] != key) {
                i = (i + 1) & mask;
            }
            if (values[i] == null) {
                size++;
            }
            keys[i] = key;
            values[i] = value;
        }

        private static int mix(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32));
        }
    }
}
