package io.weir.filters.basicauth;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * The user and password of an {@code authorization: Basic} header (RFC 7617): the scheme is
 * case-insensitive, the credentials are base64 of {@code user ":" password}, split at the first
 * colon. The password is kept as the bytes sent (bcrypt works on bytes).
 */
record Credentials(String user, byte[] password) {
    /** Why a header could not be read. */
    enum Problem {
        NOT_BASIC,
        MALFORMED
    }

    /** Either credentials or a problem. */
    record Parsed(Credentials credentials, Problem problem) {}

    static Parsed parse(String header) {
        String h = header.strip();
        int sp = h.indexOf(' ');
        if (sp < 0 || !h.substring(0, sp).equalsIgnoreCase("basic")) {
            return new Parsed(null, Problem.NOT_BASIC);
        }
        String token = h.substring(sp + 1).strip();
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            return new Parsed(null, Problem.MALFORMED);
        }
        int colon = -1;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == ':') {
                colon = i;
                break;
            }
        }
        if (token.isEmpty() || colon < 0) {
            Arrays.fill(raw, (byte) 0);
            return new Parsed(null, Problem.MALFORMED);
        }
        String user = new String(raw, 0, colon, StandardCharsets.UTF_8);
        byte[] password = Arrays.copyOfRange(raw, colon + 1, raw.length);
        Arrays.fill(raw, (byte) 0);
        return new Parsed(new Credentials(user, password), null);
    }

    @Override
    public String toString() {
        return "Credentials[user=" + user + ", password=(not shown)]";
    }
}
