package io.weir.examples.addheader;

import static io.weir.spi.testkit.FilterHarness.configErrors;
import static io.weir.spi.testkit.FilterHarness.parseConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AddHeaderConfigTest {
    private final AddHeaderFilterFactory factory = new AddHeaderFilterFactory();

    @Test
    void bindsHeaderAndValue() {
        assertThat(parseConfig(factory, Map.of("header", "x-env", "value", "prod ; a=1")))
                .isEqualTo(new AddHeaderConfig("x-env", "prod ; a=1"));
    }

    @Test
    void requiresBothKeys() {
        assertThat(configErrors(factory, Map.of()))
                .containsExactly("config.header: is required", "config.value: is required");
        assertThat(configErrors(factory, null))
                .containsExactly("config.header: is required", "config.value: is required");
    }

    @Test
    void rejectsAHeaderNameThatIsNotALowerCaseToken() {
        assertThat(configErrors(factory, Map.of("header", "X-Env", "value", "v")))
                .containsExactly(
                        "config.header: must be a lower-case header name such as x-env"
                                + " (was \"X-Env\")");
        assertThat(configErrors(factory, Map.of("header", "x env", "value", "v")))
                .containsExactly(
                        "config.header: must be a lower-case header name such as x-env"
                                + " (was \"x env\")");
        assertThat(configErrors(factory, Map.of("header", ":path", "value", "/admin")))
                .containsExactly(
                        "config.header: must be a lower-case header name such as x-env"
                                + " (was \":path\")");
    }

    @Test
    void rejectsWrongTypesAndEmptyValues() {
        assertThat(configErrors(factory, Map.of("header", 5, "value", "")))
                .containsExactly(
                        "config.header: expected a string (was 5)",
                        "config.value: must not be empty");
    }

    @Test
    void rejectsControlCharactersInTheValue() {
        assertThat(configErrors(factory, Map.of("header", "x-a", "value", "a\r\nx-evil: 1")))
                .containsExactly("config.value: must not contain control characters");
    }

    @Test
    void rejectsUnknownKeysAndNonMaps() {
        assertThat(configErrors(factory, Map.of("header", "x-a", "value", "1", "append", true)))
                .containsExactly("config.append: unknown key (expected one of: header, value)");
        assertThat(configErrors(factory, List.of("x-a", "1")))
                .containsExactly("config: expected a map (was a list)");
    }

    @Test
    void theRecordRefusesWhatTheConfigRefuses() {
        assertThatThrownBy(() -> new AddHeaderConfig("X-A", "1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid header name: X-A");
        assertThatThrownBy(() -> new AddHeaderConfig("x-a", "\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid header value for x-a");
    }
}
