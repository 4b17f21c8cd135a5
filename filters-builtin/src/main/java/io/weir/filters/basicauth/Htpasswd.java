package io.weir.filters.basicauth;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Parses an htpasswd file that holds only bcrypt hashes ({@code $2y$}, {@code $2a$}, {@code $2b$},
 * as {@code htpasswd -B} writes them). Other hash types are rejected with the line number: MD5
 * ({@code $apr1$}), SHA-1 ({@code {SHA}}), crypt and plain text are weak or unsalted.
 */
final class Htpasswd {
    /** {@code $2y$NN$} then 53 characters of bcrypt's base64 (salt and hash). */
    private static final Pattern BCRYPT =
            Pattern.compile("\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}");

    /** A user name: no control characters and no colon (RFC 7617). */
    private static final Pattern USER = Pattern.compile("[^\\x00-\\x1f\\x7f:]{1,256}");

    private Htpasswd() {}

    /** A line is wrong; the message names the user at most, never the hash or password. */
    static final class ParseError extends Exception {
        private static final long serialVersionUID = 1L;
        final int line;

        ParseError(int line, String message) {
            super("line " + line + ": " + message);
            this.line = line;
        }
    }

    /** User name to bcrypt hash (ASCII bytes), in no order. */
    static Map<String, byte[]> parse(byte[] content) throws ParseError {
        String text = new String(content, StandardCharsets.UTF_8);
        Map<String, byte[]> users = new HashMap<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int n = i + 1;
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new ParseError(n, "expected user:hash (the line is not shown)");
            }
            String user = line.substring(0, colon);
            String hash = line.substring(colon + 1).strip();
            if (!USER.matcher(user).matches()) {
                throw new ParseError(n, "the user name has control characters or is too long");
            }
            String weak = weakType(hash);
            if (weak != null) {
                throw new ParseError(
                        n,
                        weak
                                + " hash of user \""
                                + user
                                + "\" is not supported: only bcrypt ($2y$, $2a$, $2b$;"
                                + " htpasswd -B)");
            }
            if (!BCRYPT.matcher(hash).matches()) {
                throw new ParseError(
                        n,
                        "the bcrypt hash of user \""
                                + user
                                + "\" is malformed (expected $2y$NN$ and 53 characters, NN 04..31)");
            }
            if (users.put(user, hash.getBytes(StandardCharsets.US_ASCII)) != null) {
                throw new ParseError(n, "user \"" + user + "\" is listed twice");
            }
        }
        return users;
    }

    /** The name of a non-bcrypt hash type, or null when it looks like bcrypt. */
    private static String weakType(String hash) {
        if (hash.startsWith("$apr1$")) {
            return "an MD5 ($apr1$)";
        }
        if (hash.startsWith("{SHA}")) {
            return "a SHA-1 ({SHA})";
        }
        if (hash.startsWith("$1$") || hash.startsWith("$5$") || hash.startsWith("$6$")) {
            return "a crypt(3) (" + hash.substring(0, 3) + ")";
        }
        if (!hash.startsWith("$2")) {
            return "a crypt or plain-text";
        }
        return null;
    }
}
