package io.weir.kernel.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The build's version, read once from a resource Maven fills in. */
public final class BuildInfo {
    private static final String VERSION = load();

    private BuildInfo() {}

    /** The Weir version, e.g. {@code 0.1.0-SNAPSHOT}, or {@code unknown} outside a build. */
    public static String version() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in =
                BuildInfo.class.getResourceAsStream("/io/weir/kernel/build.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
