package io.weir.filters.archfixture;

import io.weir.kernel.server.BuildInfo;

/**
 * Breaks the module rules on purpose, so that {@code ModuleBoundariesTest} can show its filter rule
 * catches a violation. A test class: never on a runtime class path, never imported by the real
 * check.
 */
public final class ReachesIntoTheKernel {
    private ReachesIntoTheKernel() {}

    public static String version() {
        return BuildInfo.version();
    }
}
