package io.weir.filters.apikey;

import io.weir.filters.common.FileWatcher;
import io.weir.spi.ConfigNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The bound config of one {@code weir.api_key} block (the listener's or a route override's). The
 * values are immutable; {@link #store()} holds the block's keys, swapped whole when {@code
 * keys_file} changes.
 *
 * @param from where to look for the key, first found wins
 * @param forward keep the key in the request sent upstream
 * @param consumerHeader the request header that carries the consumer upstream
 * @param store the accepted keys
 */
record ApiKeyConfig(List<KeySource> from, boolean forward, String consumerHeader, KeyStore store) {
    static final String DEFAULT_CONSUMER_HEADER = "x-consumer";
    static final Duration DEFAULT_RELOAD = Duration.ofSeconds(5);
    static final Duration MIN_RELOAD = Duration.ofMillis(100);

    ApiKeyConfig {
        from = List.copyOf(from);
        if (from.isEmpty() || store == null) {
            throw new IllegalArgumentException("no key source or no keys");
        }
    }

    /** Binds a block, reporting every problem through {@code n}; null after an error. */
    static ApiKeyConfig from(ConfigNode n) {
        if (!n.expectMap(
                "from", "forward", "keys", "keys_file", "reload_interval", "consumer_header")) {
            return null;
        }
        boolean ok = true;
        List<KeySource> from = new ArrayList<>();
        ConfigNode fromNode = n.get("from");
        if (fromNode.isMissing()) {
            from.add(new KeySource(true, "x-api-key"));
        } else {
            for (ConfigNode s : fromNode.list()) {
                String raw = s.asString(null);
                KeySource src = raw == null ? null : KeySource.parse(raw);
                if (raw != null && src == null) {
                    s.error(
                            "expected header:NAME with NAME a lower-case header name, or"
                                    + " query:NAME (was \""
                                    + raw
                                    + "\")");
                }
                if (src == null) {
                    ok = false;
                } else {
                    from.add(src);
                }
            }
            if (ok && from.isEmpty()) {
                fromNode.error("must not be empty");
                ok = false;
            }
        }
        boolean forward = n.get("forward").asBoolean(false);
        ConfigNode chNode = n.get("consumer_header");
        String consumerHeader = chNode.asString(DEFAULT_CONSUMER_HEADER);
        if (!KeySource.isHeaderName(consumerHeader)) {
            chNode.error("expected a lower-case header name (was \"" + consumerHeader + "\")");
            ok = false;
        } else if (from.contains(new KeySource(true, consumerHeader))) {
            chNode.error("must differ from the headers in from (was \"" + consumerHeader + "\")");
            ok = false;
        }

        List<KeySet.Entry> keys = new ArrayList<>();
        Set<String> hex = new HashSet<>();
        ConfigNode keysNode = n.get("keys");
        List<ConfigNode> keyNodes = keysNode.list();
        for (int i = 0; i < keyNodes.size(); i++) {
            KeySet.Entry e = entry(keyNodes.get(i), hex);
            if (e == null) {
                ok = false;
            } else {
                keys.add(e);
            }
        }
        ConfigNode fileNode = n.get("keys_file");
        Path file = fileNode.isMissing() ? null : fileNode.asPath();
        if (fileNode.isMissing() && keyNodes.isEmpty()) {
            n.error("keys or keys_file is required");
            ok = false;
        }
        ConfigNode reloadNode = n.get("reload_interval");
        Duration reload = reloadNode.asDuration(DEFAULT_RELOAD);
        if (!reloadNode.isMissing() && fileNode.isMissing()) {
            reloadNode.error("applies only with keys_file");
            ok = false;
        } else if (reload.compareTo(MIN_RELOAD) < 0) {
            reloadNode.error("must be >= 100ms (was " + reloadNode.raw() + ")");
            ok = false;
        }
        if (!ok || (file == null && !fileNode.isMissing())) {
            return null;
        }
        KeyStore store = KeyStore.load(keys, hex, file, fileNode::error);
        if (store == null) {
            return null;
        }
        if (file != null) {
            FileWatcher.watch(store, reload, ApiKeyFilterFactory.NAME, "api key file");
        }
        return new ApiKeyConfig(from, forward, consumerHeader, store);
    }

    /** One {@code keys} entry; null after reporting its errors. */
    private static KeySet.Entry entry(ConfigNode k, Set<String> hex) {
        if (!k.isMap()) {
            k.error("expected a map with consumer and sha256");
            return null;
        }
        if (!k.expectMap("consumer", "sha256")) {
            return null;
        }
        ConfigNode cNode = k.get("consumer");
        String consumer = cNode.requireString();
        boolean ok = consumer != null;
        if (consumer != null && !KeySet.CONSUMER.matcher(consumer).matches()) {
            cNode.error(
                    "must be 1 to 128 visible ASCII characters without ':' (was \""
                            + consumer
                            + "\")");
            ok = false;
        }
        ConfigNode hNode = k.get("sha256");
        if (hNode.isMissing()) {
            hNode.error("is required");
            return null;
        }
        // never echo the value: it may be a key pasted by mistake
        String h = hNode.raw() instanceof String s ? s : null;
        if (!KeySet.isHex64(h)) {
            hNode.error(
                    "must be 64 hex characters, the SHA-256 of the key (was "
                            + (h == null ? "not a string" : h.length() + " characters")
                            + "; the value is not shown)");
            return null;
        }
        if (!hex.add(h.toLowerCase(Locale.ROOT))) {
            hNode.error("repeats an earlier key (each key once)");
            return null;
        }
        return ok ? new KeySet.Entry(consumer, KeySet.hex(h)) : null;
    }
}
