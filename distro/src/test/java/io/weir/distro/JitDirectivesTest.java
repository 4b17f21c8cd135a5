package io.weir.distro;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code conf/jit-directives}, which {@code bin/weir} passes to the JVM: HotSpot ignores a command
 * for a method that does not exist, so a rename would silently drop it. Every method it names must
 * exist, and the JVM must parse the file.
 */
class JitDirectivesTest {
    static final Path FILE = Path.of("src/main/dist/conf/jit-directives");

    /** The {@code dontinline} patterns, as {@code class::method}. */
    static List<String> patterns() throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(FILE, StandardCharsets.UTF_8)) {
            String l = line.strip();
            if (l.startsWith("dontinline ")) {
                out.add(l.substring("dontinline ".length()).strip());
            }
        }
        return out;
    }

    @Test
    void everyMethodItNamesExists() throws Exception {
        List<String> patterns = patterns();
        assertThat(patterns).isNotEmpty();
        for (String p : patterns) {
            String[] cm = p.split("::");
            assertThat(cm).as(p).hasSize(2);
            // a class pattern may end in *: the class before it must exist
            String className = cm[0].endsWith("*") ? cm[0].substring(0, cm[0].length() - 1) : cm[0];
            Class<?> c = Class.forName(className, false, getClass().getClassLoader());
            if (!cm[1].equals("*")) {
                assertThat(Arrays.stream(c.getDeclaredMethods()).map(Method::getName))
                        .as("methods of %s", className)
                        .contains(cm[1]);
            }
        }
    }

    @Test
    void theJvmParsesIt() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p =
                new ProcessBuilder(
                                java.toString(),
                                "-XX:CompileCommandFile=" + FILE.toAbsolutePath(),
                                "-version")
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).doesNotContainIgnoringCase("error").doesNotContain("CompileCommand:");
    }
}
