package io.weir.filters.apikey;

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

class ApiKeyConfigTest {
    static final ApiKeyFilterFactory F = new ApiKeyFilterFactory();
    static final String ALICE = ApiKeyFilterTest.hex("alice-key");

    @TempDir Path dir;

    static List<String> errors(Object raw) {
        return FilterHarness.configErrors(F, raw);
    }

    @Test
    void defaultsAreHeaderXApiKeyConsumerHeaderXConsumerAndStrip() {
        ApiKeyConfig c =
                (ApiKeyConfig)
                        FilterHarness.parseConfig(
                                F,
                                Map.of(
                                        "keys",
                                        List.of(Map.of("consumer", "alice", "sha256", ALICE))));
        assertThat(c.from()).containsExactly(new KeySource(true, "x-api-key"));
        assertThat(c.consumerHeader()).isEqualTo("x-consumer");
        assertThat(c.forward()).isFalse();
        assertThat(c.store().current().size()).isEqualTo(1);
    }

    @Test
    void aShortSha256IsRejectedWithoutShowingTheValue() {
        assertThat(
                        errors(
                                Map.of(
                                        "keys",
                                        List.of(
                                                Map.of(
                                                        "consumer",
                                                        "alice",
                                                        "sha256",
                                                        "s3cr3t-raw-key")))))
                .containsExactly(
                        "config.keys[0].sha256: must be 64 hex characters, the SHA-256 of the key"
                                + " (was 14 characters; the value is not shown)");
    }

    @Test
    void aNonHexSha256OfTheRightLengthIsRejected() {
        String z = "z".repeat(64);
        assertThat(errors(Map.of("keys", List.of(Map.of("consumer", "a", "sha256", z)))))
                .containsExactly(
                        "config.keys[0].sha256: must be 64 hex characters, the SHA-256 of the key"
                                + " (was 64 characters; the value is not shown)");
    }

    @Test
    void everyProblemOfABlockIsReportedTogether() {
        assertThat(
                        errors(
                                Map.of(
                                        "from",
                                        List.of("cookie:k", "header:X-Key"),
                                        "consumer_header",
                                        "X Consumer",
                                        "keys",
                                        List.of(
                                                Map.of("consumer", "a b", "sha256", ALICE),
                                                Map.of(
                                                        "consumer",
                                                        "bob",
                                                        "sha256",
                                                        ALICE.toUpperCase()),
                                                Map.of("consumer", "carol"),
                                                "nope"),
                                        "reload_interval",
                                        "1s",
                                        "colour",
                                        "red")))
                .containsExactly(
                        "config.colour: unknown key (expected one of: from, forward, keys,"
                                + " keys_file, reload_interval, consumer_header)",
                        "config.from[0]: expected header:NAME with NAME a lower-case header name,"
                                + " or query:NAME (was \"cookie:k\")",
                        "config.from[1]: expected header:NAME with NAME a lower-case header name,"
                                + " or query:NAME (was \"header:X-Key\")",
                        "config.consumer_header: expected a lower-case header name (was \"X"
                                + " Consumer\")",
                        "config.keys[0].consumer: must be 1 to 128 visible ASCII characters"
                                + " without ':' (was \"a b\")",
                        "config.keys[1].sha256: repeats an earlier key (each key once)",
                        "config.keys[2].sha256: is required",
                        "config.keys[3]: expected a map with consumer and sha256",
                        "config.reload_interval: applies only with keys_file");
    }

    @Test
    void keysOrKeysFileIsRequired() {
        assertThat(errors(Map.of())).containsExactly("config: keys or keys_file is required");
    }

    @Test
    void theConsumerHeaderMustNotBeAKeyHeader() {
        assertThat(
                        errors(
                                Map.of(
                                        "from", List.of("header:x-consumer"),
                                        "keys", List.of(Map.of("consumer", "a", "sha256", ALICE)))))
                .containsExactly(
                        "config.consumer_header: must differ from the headers in from (was"
                                + " \"x-consumer\")");
    }

    @Test
    void aReloadIntervalUnder100msIsRejected() throws Exception {
        Path f = Files.writeString(dir.resolve("k.txt"), "alice:" + ALICE + "\n");
        assertThat(errors(Map.of("keys_file", f.toString(), "reload_interval", "10ms")))
                .containsExactly("config.reload_interval: must be >= 100ms (was 10ms)");
    }

    @Test
    void keysFileIsRelativeToTheConfigFilesDirectory() throws Exception {
        Files.createDirectories(dir.resolve("conf"));
        Files.writeString(
                dir.resolve("conf/api-keys.txt"),
                "# the team\n\nalice:" + ALICE + "\n  bob : " + ApiKeyFilterTest.hex("b") + "  \n");
        List<String> errs = new ArrayList<>();
        ApiKeyConfig c =
                ApiKeyConfig.from(
                        ConfigNode.of(
                                Map.of("keys_file", "conf/api-keys.txt"),
                                "config",
                                errs::add,
                                dir));
        assertThat(errs).isEmpty();
        assertThat(c.store().file()).isEqualTo(dir.resolve("conf/api-keys.txt"));
        assertThat(c.store().current().size()).isEqualTo(2);
    }

    @Test
    void aBrokenKeysFileNamesThePathAndLineButNotTheLine() throws Exception {
        Path f =
                Files.writeString(
                        dir.resolve("k.txt"), "# x\nalice:" + ALICE + "\nsk_live_raw_key_pasted\n");
        assertThat(errors(Map.of("keys_file", f.toString())))
                .containsExactly(
                        "config.keys_file: "
                                + f
                                + " line 3: expected consumer:sha256hex (the line is not shown)");
    }

    @Test
    void aKeysFileHashAlsoInKeysIsRejected() throws Exception {
        Path f = Files.writeString(dir.resolve("k.txt"), "alice2:" + ALICE + "\n");
        assertThat(
                        errors(
                                Map.of(
                                        "keys_file",
                                        f.toString(),
                                        "keys",
                                        List.of(Map.of("consumer", "alice", "sha256", ALICE)))))
                .containsExactly(
                        "config.keys_file: "
                                + f
                                + " line 1: this sha256 is already listed (each key once)");
    }

    @Test
    void aMissingKeysFileIsAnError() {
        Path f = dir.resolve("nope.txt");
        assertThat(errors(Map.of("keys_file", f.toString())))
                .containsExactly("config.keys_file: cannot read " + f + ": NoSuchFileException");
    }

    @Test
    void aBadHashLengthInTheFileIsReportedWithoutTheValue() throws Exception {
        Path f = Files.writeString(dir.resolve("k.txt"), "alice:abc123\n");
        assertThat(errors(Map.of("keys_file", f.toString())))
                .containsExactly(
                        "config.keys_file: "
                                + f
                                + " line 1: the sha256 must be 64 hex characters (was 6"
                                + " characters; the value is not shown)");
    }
}
