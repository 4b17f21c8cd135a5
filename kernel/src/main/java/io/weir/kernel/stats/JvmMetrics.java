package io.weir.kernel.stats;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ClassLoadingMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.RuntimeMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.DoubleSupplier;
import java.util.function.ToLongFunction;

/**
 * The process and JVM metrics of Prometheus' client_java ({@code process_*}, {@code jvm_*}), under
 * its names and labels so that existing Grafana JVM dashboards work. Every value is computed when
 * the stats are rendered, from {@code java.lang.management}, {@code com.sun.management} and (for
 * the resident set) {@code /proc/self/status}; a value the platform does not offer renders as NaN.
 */
public final class JvmMetrics {
    private static final Path PROC_STATUS = Path.of("/proc/self/status");

    private JvmMetrics() {}

    /** Registers every metric in {@code stats}; calling it again replaces the functions. */
    public static void register(Stats stats) {
        process(stats);
        memory(stats);
        gc(stats);
        threads(stats);
        classes(stats);
        buffers(stats);
        RuntimeMXBean rt = ManagementFactory.getRuntimeMXBean();
        stats.gaugeFn(
                "jvm_info",
                "VM version info",
                () -> 1,
                "runtime",
                String.valueOf(System.getProperty("java.runtime.name")),
                "vendor",
                String.valueOf(rt.getVmVendor()),
                "version",
                String.valueOf(System.getProperty("java.runtime.version")));
    }

    private static void process(Stats stats) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        RuntimeMXBean rt = ManagementFactory.getRuntimeMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            stats.counterFn(
                    "process_cpu_seconds_total",
                    "Total user and system CPU time spent in seconds.",
                    () -> nanValueIfNegative(sun.getProcessCpuTime()) / 1e9);
            stats.gaugeFn(
                    "process_virtual_memory_bytes",
                    "Virtual memory size in bytes.",
                    () -> nanValueIfNegative(sun.getCommittedVirtualMemorySize()));
        }
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            stats.gaugeFn(
                    "process_open_fds",
                    "Number of open file descriptors.",
                    () -> nanValueIfNegative(unix.getOpenFileDescriptorCount()));
            stats.gaugeFn(
                    "process_max_fds",
                    "Maximum number of open file descriptors.",
                    () -> nanValueIfNegative(unix.getMaxFileDescriptorCount()));
        }
        if (Files.isReadable(PROC_STATUS)) {
            stats.gaugeFn(
                    "process_resident_memory_bytes",
                    "Resident memory size in bytes.",
                    JvmMetrics::residentBytes);
        }
        long startMillis = rt.getStartTime();
        stats.gaugeFn(
                "process_start_time_seconds",
                "Start time of the process since unix epoch in seconds.",
                () -> startMillis / 1000.0);
    }

    private static double nanValueIfNegative(long v) {
        return v < 0 ? Double.NaN : v;
    }

    /** {@code VmRSS} of {@code /proc/self/status}, in bytes (the file says kB). */
    static double residentBytes() {
        try {
            for (String line : Files.readAllLines(PROC_STATUS, StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    private static void memory(Stats stats) {
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        area(stats, "heap", mem::getHeapMemoryUsage);
        area(stats, "nonheap", mem::getNonHeapMemoryUsage);
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            String name = pool.getName();
            usage(
                    stats,
                    "jvm_memory_pool_used_bytes",
                    "Used bytes of a given JVM memory pool.",
                    pool::getUsage,
                    MemoryUsage::getUsed,
                    "pool",
                    name);
            usage(
                    stats,
                    "jvm_memory_pool_committed_bytes",
                    "Committed bytes of a given JVM memory pool.",
                    pool::getUsage,
                    MemoryUsage::getCommitted,
                    "pool",
                    name);
            usage(
                    stats,
                    "jvm_memory_pool_max_bytes",
                    "Max bytes of a given JVM memory pool.",
                    pool::getUsage,
                    MemoryUsage::getMax,
                    "pool",
                    name);
            usage(
                    stats,
                    "jvm_memory_pool_init_bytes",
                    "Initial bytes of a given JVM memory pool.",
                    pool::getUsage,
                    MemoryUsage::getInit,
                    "pool",
                    name);
        }
    }

    private static void area(
            Stats stats, String area, java.util.function.Supplier<MemoryUsage> usage) {
        usage(
                stats,
                "jvm_memory_used_bytes",
                "Used bytes of a given JVM memory area.",
                usage,
                MemoryUsage::getUsed,
                "area",
                area);
        usage(
                stats,
                "jvm_memory_committed_bytes",
                "Committed (bytes) of a given JVM memory area.",
                usage,
                MemoryUsage::getCommitted,
                "area",
                area);
        usage(
                stats,
                "jvm_memory_max_bytes",
                "Max (bytes) of a given JVM memory area.",
                usage,
                MemoryUsage::getMax,
                "area",
                area);
        usage(
                stats,
                "jvm_memory_init_bytes",
                "Initial bytes of a given JVM memory area.",
                usage,
                MemoryUsage::getInit,
                "area",
                area);
    }

    /** A usage field; -1 (undefined, e.g. no max) is reported as client_java does: -1. */
    private static void usage(
            Stats stats,
            String name,
            String help,
            java.util.function.Supplier<MemoryUsage> usage,
            ToLongFunction<MemoryUsage> field,
            String label,
            String value) {
        DoubleSupplier fn =
                () -> {
                    MemoryUsage u = usage.get();
                    return u == null ? Double.NaN : field.applyAsLong(u);
                };
        stats.gaugeFn(name, help, fn, label, value);
    }

    private static void gc(Stats stats) {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            stats.summaryFn(
                    "jvm_gc_collection_seconds",
                    "Time spent in a given JVM garbage collector in seconds.",
                    () -> nanValueIfNegative(gc.getCollectionCount()),
                    () -> nanValueIfNegative(gc.getCollectionTime()) / 1000.0,
                    "gc",
                    gc.getName());
        }
    }

    private static void threads(Stats stats) {
        ThreadMXBean t = ManagementFactory.getThreadMXBean();
        stats.gaugeFn("jvm_threads_current", "Current thread count of a JVM", t::getThreadCount);
        stats.gaugeFn(
                "jvm_threads_daemon", "Daemon thread count of a JVM", t::getDaemonThreadCount);
        stats.gaugeFn("jvm_threads_peak", "Peak thread count of a JVM", t::getPeakThreadCount);
        stats.counterFn(
                "jvm_threads_started_total",
                "Started thread count of a JVM",
                t::getTotalStartedThreadCount);
    }

    private static void classes(Stats stats) {
        ClassLoadingMXBean c = ManagementFactory.getClassLoadingMXBean();
        stats.gaugeFn(
                "jvm_classes_currently_loaded",
                "The number of classes that are currently loaded in the JVM",
                c::getLoadedClassCount);
        stats.counterFn(
                "jvm_classes_loaded_total",
                "The total number of classes that have been loaded since the JVM has started"
                        + " execution",
                c::getTotalLoadedClassCount);
        stats.counterFn(
                "jvm_classes_unloaded_total",
                "The total number of classes that have been unloaded since the JVM has started"
                        + " execution",
                c::getUnloadedClassCount);
    }

    private static void buffers(Stats stats) {
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            String pool = b.getName();
            stats.gaugeFn(
                    "jvm_buffer_pool_used_bytes",
                    "Used bytes of a given JVM buffer pool.",
                    b::getMemoryUsed,
                    "pool",
                    pool);
            stats.gaugeFn(
                    "jvm_buffer_pool_capacity_bytes",
                    "Bytes capacity of a given JVM buffer pool.",
                    b::getTotalCapacity,
                    "pool",
                    pool);
            stats.gaugeFn(
                    "jvm_buffer_pool_used_buffers",
                    "Used buffers of a given JVM buffer pool.",
                    b::getCount,
                    "pool",
                    pool);
        }
    }
}
