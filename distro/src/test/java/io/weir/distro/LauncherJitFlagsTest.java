package io.weir.distro;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/weir} passes its inlining limits to the JVM before {@code JAVA_OPTS}: run the script
 * itself from a minimal distribution layout, with {@code -XX:+PrintFlagsFinal -version} in {@code
 * JAVA_OPTS} so the JVM prints the flags it took and exits before the main class.
 */
class LauncherJitFlagsTest {
    static final Path LAUNCHER = Path.of("src/main/dist/bin/weir");

    @TempDir Path home;

    private String runLauncher(String javaOpts) throws Exception {
        Files.createDirectories(home.resolve("bin"));
        Files.createDirectories(home.resolve("lib"));
        Files.createDirectories(home.resolve("conf"));
        Path script = home.resolve("bin/weir");
        Files.copy(LAUNCHER, script);
        ProcessBuilder pb = new ProcessBuilder(List.of("sh", script.toString(), "version"));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("JAVA_OPTS", javaOpts);
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    /** The value the JVM took for {@code flag}, from {@code -XX:+PrintFlagsFinal}. */
    private static String flag(String out, String flag) {
        Matcher m =
                Pattern.compile("\\b" + flag + "\\s+=\\s+(\\d+)\\s+\\{[^}]*\\}\\s+\\{([^}]*)\\}")
                        .matcher(out);
        assertThat(m.find()).as(flag + " in\n" + out).isTrue();
        return m.group(1) + " " + m.group(2);
    }

    @Test
    void theJvmRunsWithTheLaunchersInliningLimits() throws Exception {
        String out = runLauncher("-XX:+PrintFlagsFinal -version");
        assertThat(flag(out, "MaxInlineLevel")).isEqualTo("25 command line");
        assertThat(flag(out, "InlineSmallCode")).isEqualTo("5000 command line");
    }

    @Test
    void javaOptsOverridesThem() throws Exception {
        String out =
                runLauncher(
                        "-XX:MaxInlineLevel=15 -XX:InlineSmallCode=2500 -XX:+PrintFlagsFinal -version");
        assertThat(flag(out, "MaxInlineLevel")).isEqualTo("15 command line");
        assertThat(flag(out, "InlineSmallCode")).isEqualTo("2500 command line");
    }
}
