package io.weir.filters.ratelimit;

/**
 * Where a Redis is and how to log in: what one shared connection is keyed by. The password is never
 * printed: {@link #toString()} shows the address only.
 *
 * @param host a host name or IP literal (IPv6 without brackets)
 * @param port 1 to 65535
 * @param password sent with {@code AUTH} on each new connection; null for none
 */
record RedisTarget(String host, int port, String password) {
    /** {@code host:port}, with brackets around an IPv6 literal. */
    String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return address() + (password == null ? "" : " (password set)");
    }

    /**
     * Parses {@code host:port} or {@code [v6]:port}; returns null and reports through {@code error}
     * when it is not one.
     */
    static RedisTarget parse(String s, String password, java.util.function.Consumer<String> error) {
        int colon = s.lastIndexOf(':');
        String host = colon < 0 ? "" : s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            host = "";
        }
        String portText = colon < 0 ? "" : s.substring(colon + 1);
        if (host.isEmpty()
                || host.chars().anyMatch(c -> c <= ' ' || c == '[' || c == ']' || c == '/')
                || portText.isEmpty()
                || portText.length() > 5
                || !portText.chars().allMatch(c -> c >= '0' && c <= '9')) {
            error.accept("expected host:port such as 127.0.0.1:6379 (was \"" + s + "\")");
            return null;
        }
        int port = Integer.parseInt(portText);
        if (port < 1 || port > 65535) {
            error.accept("port must be between 1 and 65535 (was \"" + s + "\")");
            return null;
        }
        return new RedisTarget(host, port, password);
    }
}
