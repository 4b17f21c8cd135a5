package io.weir.kernel.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Parsers and printers for the scalar value types of Weir's config: durations, byte sizes, {@code
 * HOST:PORT} addresses, HTTP header names and values. Pure functions, no I/O and no DNS.
 */
final class ConfigValues {
    /** Headers that frame the message or the connection; header mutations may not touch them. */
    static final Set<String> FRAMING_HEADERS =
            Set.of(
                    "content-length",
                    "transfer-encoding",
                    "connection",
                    "upgrade",
                    "te",
                    "keep-alive",
                    "proxy-connection");

    private ConfigValues() {}

    /**
     * Parses {@code <digits><unit>} with unit {@code ms}, {@code s}, {@code m} or {@code h}, or
     * returns null.
     */
    static Duration parseDuration(String text) {
        int i = digitsEnd(text);
        if (i == 0 || i == text.length()) {
            return null;
        }
        try {
            long n = Long.parseLong(text.substring(0, i));
            return switch (text.substring(i)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> null;
            };
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }

    /** The shortest exact form that {@link #parseDuration} reads back: 250ms, 15s, 1m, 1h. */
    static String formatDuration(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        } else if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        } else if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        } else if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /** Parses {@code <digits>} (bytes) or {@code <digits>KiB|MiB|GiB}, or returns null. */
    static Long parseSize(String text) {
        int i = digitsEnd(text);
        if (i == 0) {
            return null;
        }
        long unit =
                switch (text.substring(i)) {
                    case "" -> 1L;
                    case "KiB" -> 1L << 10;
                    case "MiB" -> 1L << 20;
                    case "GiB" -> 1L << 30;
                    default -> -1L;
                };
        if (unit < 0) {
            return null;
        }
        try {
            return Math.multiplyExact(Long.parseLong(text.substring(0, i)), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }

    /**
     * Parses {@code IPV4:PORT}, {@code [IPV6]:PORT} or {@code HOSTNAME:PORT} with a port 0..65535,
     * or returns null. The IPv6 host is stored without brackets.
     */
    static HostPort parseHostPort(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            return null;
        }
        String host = text.substring(0, colon);
        String portText = text.substring(colon + 1);
        if (digitsEnd(portText) != portText.length() || portText.length() > 5) {
            return null;
        }
        int port = Integer.parseInt(portText);
        if (port > 65535) {
            return null;
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            String v6 = host.substring(1, host.length() - 1);
            return isIpv6(v6) ? new HostPort(v6.toLowerCase(Locale.ROOT), port) : null;
        }
        return isIpv4(host) || isHostname(host) ? new HostPort(host, port) : null;
    }

    /**
     * An RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, 1..63
     * characters each, 253 in all. A name whose last label is numeric must be an IPv4 literal.
     */
    static boolean isHostname(String s) {
        if (s.isEmpty() || s.length() > 253) {
            return false;
        }
        String[] labels = s.split("\\.", -1);
        for (String label : labels) {
            if (label.isEmpty()
                    || label.length() > 63
                    || label.charAt(0) == '-'
                    || label.charAt(label.length() - 1) == '-') {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(isAlnum(c) || c == '-')) {
                    return false;
                }
            }
        }
        String last = labels[labels.length - 1];
        return digitsEnd(last) != last.length() || isIpv4(s);
    }

    /** A dotted-quad IPv4 literal, each part 0..255 without sign. */
    static boolean isIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || digitsEnd(p) != p.length()) {
                return false;
            }
            if (Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    /** An IPv6 literal without brackets and without a zone id; may end in an IPv4 literal. */
    static boolean isIpv6(String s) {
        int dc = s.indexOf("::");
        if (dc >= 0 && s.indexOf("::", dc + 1) >= 0) {
            return false;
        }
        if (dc >= 0) {
            String head = s.substring(0, dc);
            String tail = s.substring(dc + 2);
            int h = head.isEmpty() ? 0 : ipv6Groups(head, false);
            int t = tail.isEmpty() ? 0 : ipv6Groups(tail, true);
            if (h < 0 || t < 0) {
                return false;
            }
            return h + t <= 7;
        }
        return ipv6Groups(s, true) == 8;
    }

    /** Counts 16-bit groups of a colon-separated run, an IPv4 tail counting two; -1 if invalid. */
    private static int ipv6Groups(String s, boolean ipv4TailAllowed) {
        String[] parts = s.split(":", -1);
        int count = 0;
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (ipv4TailAllowed && i == parts.length - 1 && p.indexOf('.') >= 0) {
                if (!isIpv4(p)) {
                    return -1;
                }
                count += 2;
                continue;
            }
            if (p.isEmpty() || p.length() > 4) {
                return -1;
            }
            for (int j = 0; j < p.length(); j++) {
                if (Character.digit(p.charAt(j), 16) < 0) {
                    return -1;
                }
            }
            count++;
        }
        return count;
    }

    /** An RFC 9110 token, the syntax of header names and methods. */
    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(isAlnum(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0)) {
                return false;
            }
        }
        return true;
    }

    /** True if the header value has no CR, LF or NUL. */
    static boolean isSafeHeaderValue(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r' || c == '\n' || c == '\0') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /** The index of the first non-ASCII-digit character. */
    private static int digitsEnd(String s) {
        int i = 0;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        return i;
    }
}
