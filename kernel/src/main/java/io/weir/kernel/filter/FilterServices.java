package io.weir.kernel.filter;

import io.weir.kernel.stats.Stats;
import io.weir.spi.Metrics;
import io.weir.spi.SharedData;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What all filters of the process share, whichever config generation they belong to: shared data
 * (one namespace per filter name, kept across reloads), shared queues, metrics and per-filter
 * stats. Thread-safe.
 */
public final class FilterServices {
    private final Stats stats;
    private final ConcurrentHashMap<String, SharedDataStore> data = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, FilterStats> filterStats = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Metrics> metrics = new ConcurrentHashMap<>();
    private final SharedQueues queues = new SharedQueues();
    private final ThreadLocal<Integer> workerSlot = new ThreadLocal<>();

    public FilterServices(Stats stats) {
        this.stats = stats;
    }

    /** Tells the services that the calling thread is worker {@code slot}; call once per worker. */
    public void bindWorkerThread(int slot) {
        workerSlot.set(slot);
    }

    public Stats stats() {
        return stats;
    }

    /** The shared data namespace {@code name} (a filter name, or a Wasm {@code vm_id}). */
    public SharedData sharedData(String namespace) {
        return data.computeIfAbsent(namespace, n -> new SharedDataStore());
    }

    public SharedQueues queues() {
        return queues;
    }

    /** The kernel's stats of filter {@code name}. */
    public FilterStats filterStats(String name) {
        return filterStats.computeIfAbsent(name, n -> new FilterStats(stats, n));
    }

    /** The SPI metrics of filter {@code name} (every series labelled {@code filter=name}). */
    public Metrics metrics(String name) {
        return metrics.computeIfAbsent(name, n -> new FilterMetrics(stats, n, workerSlot));
    }
}
