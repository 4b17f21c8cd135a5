package io.weir.filters.basicauth;

import io.weir.filters.common.FileWatcher;
import io.weir.spi.ConfigNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The bound config of one {@code weir.basic_auth} block (the listener's or a route override's). The
 * values are immutable; {@link #store()} holds the users, swapped whole when the file changes.
 *
 * @param store the users of {@code htpasswd_file} and their verification cache
 * @param realm the realm of {@code www-authenticate}
 * @param usernameHeader the request header that carries the user name upstream, or null
 * @param forward keep {@code authorization} in the request sent upstream
 */
record BasicAuthConfig(UserStore store, String realm, String usernameHeader, boolean forward) {
    static final Duration DEFAULT_TTL = Duration.ofSeconds(60);
    static final int DEFAULT_MAX_ENTRIES = 1000;
    static final Duration DEFAULT_RELOAD = Duration.ofSeconds(5);
    static final Duration MIN_RELOAD = Duration.ofMillis(100);

    private static final Pattern TOKEN = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+");
    private static final Pattern REALM = Pattern.compile("[\\x20-\\x7e&&[^\"\\\\]]{1,256}");

    BasicAuthConfig {
        if (store == null || realm == null) {
            throw new IllegalArgumentException("no users or no realm");
        }
    }

    /** The {@code www-authenticate} value. */
    String challenge() {
        return "Basic realm=\"" + realm + "\"";
    }

    /** Binds a block, reporting every problem through {@code n}; null after an error. */
    static BasicAuthConfig from(ConfigNode n) {
        if (!n.expectMap(
                "htpasswd_file",
                "realm",
                "forward_username_header",
                "forward",
                "cache",
                "reload_interval")) {
            return null;
        }
        boolean ok = true;
        ConfigNode realmNode = n.get("realm");
        String realm = realmNode.asString("weir");
        if (!REALM.matcher(realm).matches()) {
            realmNode.error(
                    "must be 1 to 256 printable ASCII characters without '\"' or '\\' (was \""
                            + realm
                            + "\")");
            ok = false;
        }
        ConfigNode uNode = n.get("forward_username_header");
        String userHeader = uNode.asString(null);
        if (userHeader != null && !TOKEN.matcher(userHeader).matches()) {
            uNode.error("expected a lower-case header name (was \"" + userHeader + "\")");
            ok = false;
        } else if ("authorization".equals(userHeader)) {
            uNode.error("must not be authorization");
            ok = false;
        }
        boolean forward = n.get("forward").asBoolean(false);
        ConfigNode cache = n.get("cache");
        long ttl = DEFAULT_TTL.toNanos();
        int max = DEFAULT_MAX_ENTRIES;
        if (cache.expectMap("ttl", "max_entries")) {
            ttl = cache.get("ttl").asDuration(DEFAULT_TTL).toNanos();
            max = cache.get("max_entries").asInt(DEFAULT_MAX_ENTRIES, 0, 1_000_000);
        } else {
            ok = false;
        }
        ConfigNode reloadNode = n.get("reload_interval");
        Duration reload = reloadNode.asDuration(DEFAULT_RELOAD);
        if (reload.compareTo(MIN_RELOAD) < 0) {
            reloadNode.error("must be >= 100ms (was " + reloadNode.raw() + ")");
            ok = false;
        }
        ConfigNode fileNode = n.get("htpasswd_file");
        if (fileNode.isMissing()) {
            fileNode.error("is required");
            return null;
        }
        Path file = fileNode.asPath();
        UserStore store = file == null ? null : UserStore.load(file, ttl, max, fileNode::error);
        if (store == null || !ok) {
            return null;
        }
        FileWatcher.watch(store, reload, BasicAuthFilterFactory.NAME, "htpasswd file");
        return new BasicAuthConfig(store, realm, userHeader, forward);
    }
}
