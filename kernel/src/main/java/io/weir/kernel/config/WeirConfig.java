package io.weir.kernel.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The whole effective configuration, immutable. Built only by {@link ConfigLoader}, which has
 * already checked every value and every cross-reference; the kernel trusts it.
 *
 * <p>YAML: top-level keys {@code admin}, {@code plugin_dirs}, {@code listeners}, {@code clusters},
 * {@code observability}, {@code tracing}.
 *
 * @param baseDir the directory of the config file; relative paths in the config resolve against it
 * @param pluginDirs absolute plugin directories (YAML {@code plugin_dirs}, default {@code
 *     [plugins]}, relative to the config file)
 * @param tracing YAML {@code tracing:}, or null when absent (no tracing)
 */
public record WeirConfig(
        Path baseDir,
        AdminConfig admin,
        List<Path> pluginDirs,
        List<ListenerConfig> listeners,
        List<ClusterConfig> clusters,
        ObservabilityConfig observability,
        TracingConfig tracing) {

    /** YAML {@code admin: {address: HOST:PORT}}; default {@code 127.0.0.1:9901}. */
    public record AdminConfig(HostPort address) {}

    /**
     * YAML {@code observability}: what Weir reports about its traffic beyond its own stats.
     *
     * @param istioMetrics Istio's standard metrics, or null when off (the default)
     */
    public record ObservabilityConfig(IstioMetricsConfig istioMetrics) {
        public static final ObservabilityConfig NONE = new ObservabilityConfig(null);
    }

    /**
     * YAML {@code observability.istio_metrics: {enabled, workload, namespace, app, version,
     * mesh_cluster, service}}: this workload's identity in Istio's labels. A value left out is null
     * here: the server takes the workload from {@code POD_NAME} and the namespace from {@code
     * POD_NAMESPACE} when they are set, and {@code unknown} otherwise.
     */
    public record IstioMetricsConfig(
            String workload,
            String namespace,
            String app,
            String version,
            String meshCluster,
            String service) {}

    /** Finds a cluster by name, or null. */
    public ClusterConfig cluster(String name) {
        for (ClusterConfig c : clusters) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        return null;
    }
}
