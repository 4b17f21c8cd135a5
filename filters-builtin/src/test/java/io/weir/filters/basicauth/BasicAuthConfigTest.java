package io.weir.filters.basicauth;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.ConfigNode;
import io.weir.spi.testkit.FilterHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BasicAuthConfigTest {
    static final BasicAuthFilterFactory F = new BasicAuthFilterFactory();

    @TempDir Path dir;

    Path file(String content) throws Exception {
        return Files.writeString(dir.resolve("htpasswd"), content);
    }

    static List<String> errors(Object raw) {
        return FilterHarness.configErrors(F, raw);
    }

    @Test
    void defaults() throws Exception {
        Path f = file("alice:" + Hashes.bcrypt("pw") + "\n");
        BasicAuthConfig c =
                (BasicAuthConfig)
                        FilterHarness.parseConfig(F, Map.of("htpasswd_file", f.toString()));
        assertThat(c.realm()).isEqualTo("weir");
        assertThat(c.challenge()).isEqualTo("Basic realm=\"weir\"");
        assertThat(c.usernameHeader()).isNull();
        assertThat(c.forward()).isFalse();
        assertThat(c.store().current().cache().enabled()).isTrue();
        assertThat(c.store().current().users()).containsOnlyKeys("alice");
    }

    @Test
    void htpasswdFileIsRequired() {
        assertThat(errors(Map.of())).containsExactly("config.htpasswd_file: is required");
    }

    @Test
    void anMd5HashIsRejectedAtStartUpWithFileAndLine() throws Exception {
        Path f =
                file(
                        "alice:"
                                + Hashes.bcrypt("pw")
                                + "\nbob:$apr1$8kQ6Z3fH$Hx0iHnMAr0m4VzU7pO3wX.\n");
        assertThat(errors(Map.of("htpasswd_file", f.toString())))
                .containsExactly(
                        "config.htpasswd_file: "
                                + f
                                + " line 2: an MD5 ($apr1$) hash of user \"bob\" is not supported:"
                                + " only bcrypt ($2y$, $2a$, $2b$; htpasswd -B)");
    }

    @Test
    void aSha1HashIsRejected() throws Exception {
        Path f = file("# users\n\ncarol:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=\n");
        assertThat(errors(Map.of("htpasswd_file", f.toString())))
                .containsExactly(
                        "config.htpasswd_file: "
                                + f
                                + " line 3: a SHA-1 ({SHA}) hash of user \"carol\" is not"
                                + " supported: only bcrypt ($2y$, $2a$, $2b$; htpasswd -B)");
    }

    @Test
    void cryptAndPlainTextAreRejected() throws Exception {
        Path f = file("dave:rl4Yd8Xj0s2mQ\n");
        assertThat(errors(Map.of("htpasswd_file", f.toString())))
                .containsExactly(
                        "config.htpasswd_file: "
                                + f
                                + " line 1: a crypt or plain-text hash of user \"dave\" is not"
                                + " supported: only bcrypt ($2y$, $2a$, $2b$; htpasswd -B)");
        Path g = file("erin:$6$salt$abcdef\n");
        assertThat(errors(Map.of("htpasswd_file", g.toString())))
                .containsExactly(
                        "config.htpasswd_file: "
                                + g
                                + " line 1: a crypt(3) ($6$) hash of user \"erin\" is not"
                                + " supported: only bcrypt ($2y$, $2a$, $2b$; htpasswd -B)");
    }

    @Test
    void aTruncatedBcryptHashAndALineWithoutColonAreRejectedWithoutShowingThem() throws Exception {
        Path f = file("alice:$2y$04$abc\n");
        assertThat(errors(Map.of("htpasswd_file", f.toString())))
                .containsExactly(
                        "config.htpasswd_file: "
                                + f
                                + " line 1: the bcrypt hash of user \"alice\" is malformed"
                                + " (expected $2y$NN$ and 53 characters, NN 04..31)");
        Path g = file("hunter2\n");
        assertThat(errors(Map.of("htpasswd_file", g.toString())))
                .containsExactly(
                        "config.htpasswd_file: "
                                + g
                                + " line 1: expected user:hash (the line is not shown)");
    }

    @Test
    void aUserListedTwiceIsRejected() throws Exception {
        Path f = file("a:" + Hashes.bcrypt("1") + "\na:" + Hashes.bcrypt("2") + "\n");
        assertThat(errors(Map.of("htpasswd_file", f.toString())))
                .containsExactly(
                        "config.htpasswd_file: " + f + " line 2: user \"a\" is listed twice");
    }

    @Test
    void otherKeysAreCheckedTogether() throws Exception {
        Path f = file("a:" + Hashes.bcrypt("1") + "\n");
        assertThat(
                        errors(
                                Map.of(
                                        "htpasswd_file",
                                        f.toString(),
                                        "realm",
                                        "my \"realm\"",
                                        "forward_username_header",
                                        "X-User",
                                        "cache",
                                        Map.of("ttl", "soon", "max_entries", -1),
                                        "reload_interval",
                                        "10ms")))
                .containsExactly(
                        "config.realm: must be 1 to 256 printable ASCII characters without '\"' or"
                                + " '\\' (was \"my \"realm\"\")",
                        "config.forward_username_header: expected a lower-case header name (was"
                                + " \"X-User\")",
                        "config.cache.ttl: expected a duration such as 250ms, 1s, 2m, 1h (was"
                                + " \"soon\")",
                        "config.cache.max_entries: must be >= 0 (was -1)",
                        "config.reload_interval: must be >= 100ms (was 10ms)");
    }

    @Test
    void aMissingFileIsAnError() {
        Path f = dir.resolve("nope");
        assertThat(errors(Map.of("htpasswd_file", f.toString())))
                .containsExactly(
                        "config.htpasswd_file: cannot read " + f + ": NoSuchFileException");
    }

    @Test
    void theFileIsRelativeToTheConfigFilesDirectory() throws Exception {
        Files.createDirectories(dir.resolve("conf"));
        Files.writeString(dir.resolve("conf/htpasswd"), "a:" + Hashes.bcrypt("1") + "\n");
        List<String> errs = new ArrayList<>();
        BasicAuthConfig c =
                BasicAuthConfig.from(
                        ConfigNode.of(
                                Map.of("htpasswd_file", "conf/htpasswd"),
                                "config",
                                errs::add,
                                dir));
        assertThat(errs).isEmpty();
        assertThat(c.store().file()).isEqualTo(dir.resolve("conf/htpasswd"));
    }
}
