package io.weir.filters.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.kernel.config.ConfigException;
import io.weir.kernel.config.ConfigLoader;
import io.weir.kernel.config.FilterSource;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The examples of docs/filters/weir.ratelimit.md are valid Weir config. */
class RateLimitDocExampleTest {
    static final Path DOC = Path.of("..", "docs", "filters", "weir.ratelimit.md");

    static String yamlBlockAfter(String heading) throws Exception {
        String doc = Files.readString(DOC);
        int at = doc.indexOf(heading);
        assertThat(at).as(heading).isNotNegative();
        int start = doc.indexOf("```yaml\n", at) + "```yaml\n".length();
        return doc.substring(start, doc.indexOf("```", start));
    }

    static void parse(String yaml) throws ConfigException {
        ConfigLoader.parse(
                yaml, Path.of("."), FilterSource.fixed(RateLimitIntegrationTest.REGISTRY));
    }

    @Test
    void theExampleParsesWithItsRouteOverride() throws Exception {
        String yaml =
                yamlBlockAfter("## Example")
                        + "clusters:\n"
                        + "  - name: api\n    endpoints: [{ address: 127.0.0.1:8081 }]\n"
                        + "  - name: web\n    endpoints: [{ address: 127.0.0.1:8082 }]\n";
        parse(yaml);
    }

    @Test
    void theConfigurationBlockParses() throws Exception {
        String yaml =
                "listeners:\n  - name: l\n    address: 127.0.0.1:0\n"
                        + yamlBlockAfter("## Configuration").indent(4)
                        + "      virtual_hosts:\n"
                        + "        - name: d\n          domains: [\"*\"]\n"
                        + "          routes: [{ match: { prefix: / }, route: { cluster: b } }]\n"
                        + "clusters:\n  - name: b\n    endpoints: [{ address: 127.0.0.1:8081 }]\n";
        parse(yaml);
        // and a broken value is reported with its full path
        assertThatThrownBy(() -> parse(yaml.replace("requests: 1000", "requests: 0")))
                .hasMessageContaining(
                        "listeners[0].http.filters[0].config.limit.requests: must be > 0 (was 0)");
    }
}
