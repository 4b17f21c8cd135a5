package io.weir.filters.extauthz;

import io.weir.spi.ConfigNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The bound config of one {@code weir.ext_authz} block (the listener's or a route override's).
 * Immutable.
 *
 * @param cluster the authorization service's cluster
 * @param pathPrefix prepended to the original path (with query); empty for none
 * @param timeout the check's timeout, > 0
 * @param requestHeaders lower-case names copied from the request to the check (authorization always
 *     among them)
 * @param upstreamHeaders lower-case names copied from an allowing answer to the upstream request
 * @param clientHeaders lower-case names copied from a denying answer to the client; null for every
 *     header of the answer
 * @param failureModeAllow let the request through when the check fails
 * @param statusOnError the status of the reply when the check fails, 200..599
 * @param maxRequestBytes with {@code with_request_body}: the body is buffered and sent with the
 *     check, at most this many bytes (413 beyond); -1 without a body
 */
record ExtAuthzConfig(
        String cluster,
        String pathPrefix,
        Duration timeout,
        List<String> requestHeaders,
        Set<String> upstreamHeaders,
        Set<String> clientHeaders,
        boolean failureModeAllow,
        int statusOnError,
        int maxRequestBytes) {

    static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(200);

    /** Names a list may not hold: hop-by-hop, framing and the host (set by Weir). */
    static final Set<String> RESERVED =
            Set.of(
                    "host",
                    "content-length",
                    "transfer-encoding",
                    "connection",
                    "keep-alive",
                    "proxy-connection",
                    "te",
                    "trailer",
                    "upgrade");

    /** Sent to the client with a denial even when {@code allowed_client_headers} omits them. */
    static final Set<String> ALWAYS_TO_CLIENT =
            Set.of("www-authenticate", "location", "content-type");

    private static final Pattern TOKEN = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+");

    ExtAuthzConfig {
        requestHeaders = List.copyOf(requestHeaders);
        upstreamHeaders = Set.copyOf(upstreamHeaders);
        clientHeaders = clientHeaders == null ? null : Set.copyOf(clientHeaders);
    }

    /** Binds a block, reporting every problem through {@code n}; null after an error. */
    static ExtAuthzConfig from(ConfigNode n) {
        if (!n.expectMap(
                "cluster",
                "path_prefix",
                "timeout",
                "allowed_request_headers",
                "allowed_upstream_headers",
                "allowed_client_headers",
                "failure_mode_allow",
                "status_on_error",
                "with_request_body")) {
            return null;
        }
        boolean[] ok = {true};
        String cluster = n.get("cluster").requireString();
        ConfigNode prefixNode = n.get("path_prefix");
        String prefix = prefixNode.asString("");
        if (!prefix.isEmpty() && (!prefix.startsWith("/") || prefix.contains("?"))) {
            prefixNode.error("must start with / and have no query (was \"" + prefix + "\")");
            ok[0] = false;
        }
        ConfigNode timeoutNode = n.get("timeout");
        Duration timeout = timeoutNode.asDuration(DEFAULT_TIMEOUT);
        if (timeout.isZero()) {
            timeoutNode.error("must be > 0 (was " + timeoutNode.raw() + ")");
            ok[0] = false;
        }
        List<String> request = new ArrayList<>(List.of("authorization"));
        request.addAll(names(n.get("allowed_request_headers"), ok));
        Set<String> upstream = names(n.get("allowed_upstream_headers"), ok);
        ConfigNode clientNode = n.get("allowed_client_headers");
        Set<String> client = clientNode.isMissing() ? null : names(clientNode, ok);
        if (client != null) {
            client.addAll(ALWAYS_TO_CLIENT);
        }
        boolean failureModeAllow = n.get("failure_mode_allow").asBoolean(false);
        int statusOnError = n.get("status_on_error").asInt(403, 200, 599);
        int maxBytes = body(n.get("with_request_body"), ok);
        if (!ok[0] || cluster == null) {
            return null;
        }
        return new ExtAuthzConfig(
                cluster,
                prefix,
                timeout,
                new ArrayList<>(new LinkedHashSet<>(request)),
                upstream,
                client,
                failureModeAllow,
                statusOnError,
                maxBytes);
    }

    private static int body(ConfigNode b, boolean[] ok) {
        if (b.isMissing() || !b.expectMap("max_request_bytes", "allow_partial_message")) {
            ok[0] &= b.isMissing();
            return -1;
        }
        ConfigNode max = b.get("max_request_bytes");
        if (max.isMissing()) {
            max.error("is required");
            ok[0] = false;
        }
        int bytes = max.asInt(-1, 1, 16 << 20);
        ok[0] &= bytes > 0;
        ConfigNode partial = b.get("allow_partial_message");
        if (partial.asBoolean(false)) {
            partial.error("true is not supported: a body over max_request_bytes is answered 413");
            ok[0] = false;
        }
        return bytes;
    }

    /** A list of header names, lower-cased; records errors and clears {@code ok} on a bad one. */
    private static Set<String> names(ConfigNode list, boolean[] ok) {
        Set<String> out = new LinkedHashSet<>();
        for (ConfigNode e : list.list()) {
            String s = e.asString(null);
            if (s == null) {
                ok[0] = false;
                continue;
            }
            String name = s.toLowerCase(Locale.ROOT);
            if (!TOKEN.matcher(name).matches()) {
                e.error("expected a header name such as x-user (was \"" + s + "\")");
                ok[0] = false;
            } else if (RESERVED.contains(name)) {
                e.error("must not be a hop-by-hop, framing or host header (was \"" + s + "\")");
                ok[0] = false;
            } else {
                out.add(name);
            }
        }
        if (list.raw() != null && !(list.raw() instanceof List)) {
            ok[0] = false;
        }
        return out;
    }
}
