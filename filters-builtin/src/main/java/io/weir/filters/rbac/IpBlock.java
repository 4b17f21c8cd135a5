package io.weir.filters.rbac;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 CIDR block ({@code 10.0.0.0/8}, {@code 2001:db8::/32}; a bare address is a /32 or
 * /128). Host bits after the prefix are ignored, as in Envoy. Immutable.
 */
record IpBlock(byte[] network, int bits) {
    private static final Pattern V6_CHARS = Pattern.compile("[0-9a-fA-F:.]+");

    /** The block for {@code text}, or null when it is not an address or CIDR. */
    static IpBlock parse(String text) {
        int slash = text.indexOf('/');
        byte[] addr = parseIp(slash < 0 ? text : text.substring(0, slash));
        if (addr == null) {
            return null;
        }
        boolean v6Text = text.indexOf(':') >= 0;
        if (v6Text && addr.length == 4) {
            addr = mapped(addr); // ::ffff:a.b.c.d written as IPv6 stays IPv6
        }
        int max = addr.length * 8;
        int bits = max;
        if (slash >= 0) {
            String b = text.substring(slash + 1);
            if (b.isEmpty() || b.length() > 3 || !b.chars().allMatch(Character::isDigit)) {
                return null;
            }
            bits = Integer.parseInt(b);
            if (bits > max || (b.length() > 1 && b.charAt(0) == '0')) {
                return null;
            }
        }
        return new IpBlock(addr, bits);
    }

    /**
     * Whether {@code ip} (4 or 16 bytes) is in this block; an IPv4 address matches ::ffff:0:0/96.
     */
    boolean contains(byte[] ip) {
        if (ip == null) {
            return false;
        }
        if (ip.length != network.length) {
            if (ip.length != 4) {
                return false;
            }
            ip = mapped(ip);
        }
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (ip[i] != network[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (ip[full] & mask) == (network[full] & mask);
    }

    /**
     * The bytes of an IP literal: strict dotted-quad IPv4 (no leading zeros), or IPv6 (no zone).
     * Never a DNS lookup: anything else is null.
     */
    static byte[] parseIp(String s) {
        if (s.indexOf(':') < 0) {
            return parseV4(s);
        }
        if (!V6_CHARS.matcher(s).matches()) {
            return null; // also keeps InetAddress on its literal path: no DNS
        }
        try {
            return InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static byte[] parseV4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty()
                    || p.length() > 3
                    || !p.chars().allMatch(c -> c >= '0' && c <= '9')
                    || (p.length() > 1 && p.charAt(0) == '0')) {
                return null;
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }

    /**
     * The client address of a {@code source.address} property: {@code 1.2.3.4:5678}, {@code
     * [::1]:5678} or {@code 0:0:0:0:0:0:0:1:5678} (the port is always there); null when none.
     */
    static byte[] fromAddressWithPort(String address) {
        if (address == null) {
            return null;
        }
        String host;
        if (address.startsWith("[")) {
            int end = address.indexOf(']');
            if (end < 0) {
                return null;
            }
            host = address.substring(1, end);
        } else {
            int colon = address.lastIndexOf(':');
            host = colon < 0 ? address : address.substring(0, colon);
        }
        int zone = host.indexOf('%');
        if (zone >= 0) {
            host = host.substring(0, zone);
        }
        return host.isEmpty() ? null : parseIp(host);
    }

    private static byte[] mapped(byte[] v4) {
        byte[] m = new byte[16];
        m[10] = (byte) 0xFF;
        m[11] = (byte) 0xFF;
        System.arraycopy(v4, 0, m, 12, 4);
        return m;
    }
}
