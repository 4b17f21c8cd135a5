package io.weir.spi;

/**
 * The version of this SPI, {@code MAJOR.MINOR}. A plugin reports the version it was compiled
 * against from {@link WeirPlugin#spiVersion()} by returning {@link #CURRENT}: the compiler copies
 * the constant into the plugin's class, so the value is the SPI the plugin was built with, not the
 * one it runs on.
 *
 * <p>Weir loads a plugin when the major versions are equal and the plugin's minor version is not
 * newer than Weir's: minor versions only add default methods and new types.
 *
 * <p>Thread-safe (constants and a pure function).
 */
public final class SpiVersion {
    /** The SPI version of this build. */
    public static final String CURRENT = "1.2";

    private SpiVersion() {}

    /**
     * Whether a plugin built against {@code pluginVersion} can run on SPI {@code runtimeVersion}.
     * Malformed versions are incompatible.
     */
    public static boolean compatible(String pluginVersion, String runtimeVersion) {
        int[] p = parse(pluginVersion);
        int[] r = parse(runtimeVersion);
        return p != null && r != null && p[0] == r[0] && p[1] <= r[1];
    }

    /** {@code {major, minor}}, or null when {@code v} is not {@code DIGITS.DIGITS}. */
    static int[] parse(String v) {
        if (v == null) {
            return null;
        }
        int dot = v.indexOf('.');
        if (dot <= 0 || dot == v.length() - 1 || dot > 6 || v.length() - dot > 7) {
            return null;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (i != dot && (c < '0' || c > '9')) {
                return null;
            }
        }
        return new int[] {
            Integer.parseInt(v.substring(0, dot)), Integer.parseInt(v.substring(dot + 1))
        };
    }
}
