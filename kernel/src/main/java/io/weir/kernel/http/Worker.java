package io.weir.kernel.http;

import io.weir.kernel.dispatch.Dispatcher;
import io.weir.kernel.upstream.ClusterWorker;
import java.util.Map;

/**
 * One worker's state: its Dispatcher and its per-cluster pools. Touched only on that worker.
 *
 * @param clusters cluster name to this worker's pools for it
 */
public record Worker(Dispatcher dispatcher, Map<String, ClusterWorker> clusters) {
    public int slot() {
        return dispatcher.id();
    }
}
