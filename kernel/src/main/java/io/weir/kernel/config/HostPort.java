package io.weir.kernel.config;

/**
 * A {@code host:port} pair as written in the config: an IPv4 literal, a bracketed IPv6 literal
 * ({@code [::1]:80}) or a DNS name, and a port 0..65535 (0 = any free port, for listeners).
 */
public record HostPort(String host, int port) {
    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
