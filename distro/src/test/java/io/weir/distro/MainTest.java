package io.weir.distro;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.server.BuildInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line without sockets: {@code validate}, version, help and usage errors. */
class MainTest {
    static final String GOOD =
            """
            admin:
              address: 127.0.0.1:9901
            listeners:
              - name: ingress
                address: 127.0.0.1:10000
                http:
                  virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                        - match: { prefix: "/" }
                          route: { cluster: backend }
            clusters:
              - name: backend
                endpoints:
                  - address: 127.0.0.1:8080
            """;

    /** Three independent mistakes: a bad port, an unknown cluster, a bad duration. */
    static final String THREE_ERRORS =
            """
            listeners:
              - name: ingress
                address: 127.0.0.1:70000
                http:
                  virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                        - match: { prefix: "/" }
                          route: { cluster: nowhere }
            clusters:
              - name: backend
                connect_timeout: fast
                endpoints:
                  - address: 127.0.0.1:8080
            """;

    @TempDir Path dir;

    @Test
    void validateOfAGoodFilePrintsOkAndExitsZero() throws IOException {
        Path file = write("good.yaml", GOOD);

        Result r = run("validate", "-c", file.toString());

        assertThat(r.code).isEqualTo(0);
        assertThat(r.out).isEqualTo("ok: " + file + "\n");
        assertThat(r.err).isEmpty();
    }

    @Test
    void validateAcceptsTheLongOptionWithEquals() throws IOException {
        Path file = write("good.yaml", GOOD);

        Result r = run("validate", "--config=" + file);

        assertThat(r.code).isEqualTo(0);
        assertThat(r.out).isEqualTo("ok: " + file + "\n");
    }

    @Test
    void validateReportsEveryErrorWithItsPathAndExitsOne() throws IOException {
        Path file = write("bad.yaml", THREE_ERRORS);

        Result r = run("validate", "-c", file.toString());

        assertThat(r.code).isEqualTo(1);
        assertThat(r.out).isEmpty();
        List<String> lines = r.errLines();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).isEqualTo("weir: invalid config " + file + ":");
        // in file order, each indented under the header
        assertThat(lines.get(1)).startsWith("  listeners[0].address: ").contains("70000");
        assertThat(lines.get(2))
                .isEqualTo(
                        "  listeners[0].http.virtual_hosts[0].routes[0].route.cluster:"
                                + " unknown cluster \"nowhere\"");
        assertThat(lines.get(3)).startsWith("  clusters[0].connect_timeout: ").contains("fast");
    }

    @Test
    void validateOfAMissingFileSaysSoWithoutAStackTrace() {
        Path file = dir.resolve("nope.yaml");

        Result r = run("validate", "-c", file.toString());

        assertThat(r.code).isEqualTo(1);
        assertThat(r.err).isEqualTo("weir: cannot read config " + file + ": no such file\n");
    }

    @Test
    void validateOfADirectoryIsACannotReadError() {
        Result r = run("validate", "-c", dir.toString());

        assertThat(r.code).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err).startsWith("weir: cannot read config " + dir + ": ");
    }

    @Test
    void validateReportsBrokenYamlAsAConfigError() throws IOException {
        Path file = write("broken.yaml", "listeners: [\n");

        Result r = run("validate", "-c", file.toString());

        assertThat(r.code).isEqualTo(1);
        assertThat(r.errLines().get(0)).isEqualTo("weir: invalid config " + file + ":");
        assertThat(r.errLines()).hasSizeGreaterThan(1);
        assertThat(r.err).doesNotContain("\tat ");
    }

    @Test
    void withoutDashCTheConfigComesFromWeirHome() throws IOException {
        Path home = dir.resolve("home");
        Files.createDirectories(home.resolve("conf"));
        Files.writeString(home.resolve("conf/weir.yaml"), GOOD);

        Result r = run(home, "validate");

        assertThat(r.code).isEqualTo(0);
        assertThat(r.out).isEqualTo("ok: " + home.resolve("conf/weir.yaml") + "\n");
    }

    @Test
    void withoutDashCOrWeirHomeItAsksForAFile() {
        Result r = run((Path) null, "validate");

        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).startsWith("weir: no config file: give one with -c FILE");
    }

    @Test
    void theBundledConfigIsValid() {
        String bundled = System.getProperty("weir.test.bundledConfig");
        assertThat(bundled).as("set by distro/pom.xml").isNotNull();

        Result r = run("validate", "-c", bundled);

        assertThat(r.err).isEmpty();
        assertThat(r.code).isEqualTo(0);
    }

    @Test
    void versionPrintsTheBuildVersion() {
        assertThat(BuildInfo.version()).matches("\\d+\\.\\d+\\.\\d+.*");

        assertThat(run("--version").out).isEqualTo("weir " + BuildInfo.version() + "\n");
        assertThat(run("version").out).isEqualTo("weir " + BuildInfo.version() + "\n");
        assertThat(run("version").code).isEqualTo(0);
    }

    @Test
    void helpListsTheCommandsAndOptionsOnStdout() {
        for (String[] args : new String[][] {{"--help"}, {"-h"}, {"help"}, {}, {"run", "--help"}}) {
            Result r = run(args);
            assertThat(r.code).as(Arrays.toString(args)).isEqualTo(0);
            assertThat(r.err).isEmpty();
            assertThat(r.out)
                    .startsWith("usage: weir <command> [options]")
                    .contains("  run ", "  validate ", "  version ", "-c, --config FILE")
                    .contains("--concurrency N", "--nio");
        }
    }

    @Test
    void rejectsAConcurrencyThatIsNotAPositiveInteger() {
        for (String bad : new String[] {"x", "0", "-3", "1.5", "99999999999"}) {
            Result r = run("run", "--concurrency", bad);
            assertThat(r.code).as(bad).isEqualTo(2);
            assertThat(r.err)
                    .isEqualTo(
                            "weir: --concurrency must be an integer >= 1 (was \"" + bad + "\")\n");
        }
        assertThat(run("run", "--concurrency=x").err)
                .isEqualTo("weir: --concurrency must be an integer >= 1 (was \"x\")\n");
    }

    @Test
    void unknownCommandPrintsUsageOnStderrAndExitsTwo() {
        Result r = run("serve");

        assertThat(r.code).isEqualTo(2);
        assertThat(r.out).isEmpty();
        assertThat(r.err).startsWith("weir: unknown command \"serve\"\n").contains("usage: weir");
    }

    @Test
    void unknownOptionPrintsUsageOnStderrAndExitsTwo() {
        Result r = run("run", "--fast");

        assertThat(r.code).isEqualTo(2);
        assertThat(r.out).isEmpty();
        assertThat(r.err).startsWith("weir: unknown option \"--fast\"\n").contains("usage: weir");
    }

    @Test
    void otherCommandLineMistakesExitTwo() {
        assertThat(run("-c", "x.yaml").err)
                .startsWith("weir: expected a command before options, got \"-c\"");
        assertThat(run("validate", "-c").err).startsWith("weir: -c needs a value");
        assertThat(run("validate", "--nio").err)
                .startsWith("weir: option --nio does not apply to \"validate\"");
        assertThat(run("validate", "a.yaml").err)
                .startsWith("weir: unexpected argument \"a.yaml\"");
        assertThat(run("validate", "-c", "a\0b").err)
                .startsWith("weir: invalid file name \"a\0b\": ");
        assertThat(run("version", "extra").code).isEqualTo(2);
        assertThat(run("run", "--nio=yes").code).isEqualTo(2);
    }

    @Test
    void runWithAnInvalidConfigExitsOneBeforeStartingAnything() throws IOException {
        Path file = write("bad.yaml", THREE_ERRORS);

        Result r = run("run", "-c", file.toString(), "--concurrency", "1", "--nio");

        assertThat(r.code).isEqualTo(1);
        assertThat(r.out).isEmpty();
        assertThat(r.errLines()).hasSize(4);
        assertThat(r.errLines().get(0)).isEqualTo("weir: invalid config " + file + ":");
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static Result run(String... args) {
        return run(Path.of("/nonexistent-weir-home"), args);
    }

    private static Result run(Path home, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(args, o, e, home);
        }
        return new Result(
                code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    record Result(int code, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }
}
