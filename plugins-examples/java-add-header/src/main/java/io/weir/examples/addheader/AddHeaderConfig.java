package io.weir.examples.addheader;

import io.weir.spi.ConfigNode;
import java.util.regex.Pattern;

/**
 * The config of {@code example.add_header}.
 *
 * @param header the header name: a lower-case HTTP token such as {@code x-env}
 * @param value the value: not empty, no control characters
 */
public record AddHeaderConfig(String header, String value) {
    private static final Pattern TOKEN = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+");

    public AddHeaderConfig {
        if (header == null || !TOKEN.matcher(header).matches()) {
            throw new IllegalArgumentException("invalid header name: " + header);
        }
        if (value == null || value.isEmpty() || !isFieldValue(value)) {
            throw new IllegalArgumentException("invalid header value for " + header);
        }
    }

    /**
     * Binds {@code {header: NAME, value: VALUE}}, reporting every problem through {@code node}.
     * Returns null when there was one (Weir then discards the result).
     */
    static AddHeaderConfig from(ConfigNode node) {
        if (!node.expectMap("header", "value")) {
            return null;
        }
        ConfigNode headerNode = node.get("header");
        String header = headerNode.requireString();
        if (header != null && !TOKEN.matcher(header).matches()) {
            headerNode.error(
                    "must be a lower-case header name such as x-env (was \"" + header + "\")");
            header = null;
        }
        ConfigNode valueNode = node.get("value");
        String value = valueNode.requireString();
        if (value != null && !isFieldValue(value)) {
            valueNode.error("must not contain control characters");
            value = null;
        }
        return header == null || value == null ? null : new AddHeaderConfig(header, value);
    }

    /** RFC 9110 field-value characters: visible ASCII, space, tab and obs-text. */
    private static boolean isFieldValue(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                return false;
            }
        }
        return true;
    }
}
