package io.weir.filters.jwtauthn;

import io.weir.spi.Headers;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where a provider looks for its token: {@code authorization_bearer} (the {@code authorization}
 * header's {@code Bearer} credentials, scheme case-insensitive), {@code header:NAME} (the whole
 * value), {@code query:NAME} or {@code cookie:NAME}. Immutable.
 */
record TokenSource(Kind kind, String name) {
    enum Kind {
        BEARER,
        HEADER,
        QUERY,
        COOKIE
    }

    private static final Pattern TOKEN = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");

    static final TokenSource BEARER = new TokenSource(Kind.BEARER, "authorization");

    /** Parses one {@code from} entry; null when invalid. */
    static TokenSource parse(String s) {
        if (s.equals("authorization_bearer")) {
            return BEARER;
        }
        int colon = s.indexOf(':');
        if (colon < 0) {
            return null;
        }
        String n = s.substring(colon + 1);
        return switch (s.substring(0, colon)) {
            case "header" -> TOKEN.matcher(n).matches() ? new TokenSource(Kind.HEADER, n) : null;
            case "query" -> NAME.matcher(n).matches() ? new TokenSource(Kind.QUERY, n) : null;
            case "cookie" -> NAME.matcher(n).matches() ? new TokenSource(Kind.COOKIE, n) : null;
            default -> null;
        };
    }

    static boolean isHeaderName(String s) {
        return s != null && TOKEN.matcher(s).matches();
    }

    /** The token here, or null. */
    String find(Headers h) {
        switch (kind) {
            case BEARER -> {
                for (String v : h.getAll("authorization")) {
                    String t = v.strip();
                    if (t.length() > 7 && t.regionMatches(true, 0, "bearer ", 0, 7)) {
                        String tok = t.substring(7).strip();
                        if (!tok.isEmpty()) {
                            return tok;
                        }
                    }
                }
                return null;
            }
            case HEADER -> {
                String v = h.get(name);
                return v == null || v.isBlank() ? null : v.strip();
            }
            case QUERY -> {
                String path = h.get(":path");
                int q = path == null ? -1 : path.indexOf('?');
                if (q < 0) {
                    return null;
                }
                for (String pair : path.substring(q + 1).split("&")) {
                    int eq = pair.indexOf('=');
                    if (eq > 0 && name.equals(decode(pair.substring(0, eq)))) {
                        String v = decode(pair.substring(eq + 1));
                        if (!v.isEmpty()) {
                            return v;
                        }
                    }
                }
                return null;
            }
            default -> {
                for (String v : h.getAll("cookie")) {
                    for (String c : v.split(";")) {
                        int eq = c.indexOf('=');
                        if (eq > 0 && c.substring(0, eq).strip().equals(name)) {
                            String t = c.substring(eq + 1).strip();
                            if (!t.isEmpty()) {
                                return t;
                            }
                        }
                    }
                }
                return null;
            }
        }
    }

    /** Removes the token from the request that goes upstream. */
    void strip(Headers h) {
        switch (kind) {
            case BEARER, HEADER -> h.remove(name);
            case QUERY -> {
                String path = h.get(":path");
                int q = path == null ? -1 : path.indexOf('?');
                if (q < 0) {
                    return;
                }
                StringBuilder kept = new StringBuilder();
                boolean removed = false;
                for (String pair : path.substring(q + 1).split("&")) {
                    int eq = pair.indexOf('=');
                    if (name.equals(decode(eq < 0 ? pair : pair.substring(0, eq)))) {
                        removed = true;
                        continue;
                    }
                    kept.append(kept.length() > 0 ? "&" : "").append(pair);
                }
                if (removed) {
                    String base = path.substring(0, q);
                    h.set(":path", kept.length() == 0 ? base : base + "?" + kept);
                }
            }
            default -> {
                StringBuilder kept = new StringBuilder();
                for (String v : h.getAll("cookie")) {
                    for (String c : v.split(";")) {
                        int eq = c.indexOf('=');
                        if (c.isBlank() || eq > 0 && c.substring(0, eq).strip().equals(name)) {
                            continue;
                        }
                        kept.append(kept.length() > 0 ? "; " : "").append(c.strip());
                    }
                }
                h.remove("cookie");
                if (kept.length() > 0) {
                    h.set("cookie", kept.toString());
                }
            }
        }
    }

    private static String decode(String s) {
        if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
            return s;
        }
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    @Override
    public String toString() {
        return kind == Kind.BEARER
                ? "authorization_bearer"
                : kind.name().toLowerCase(Locale.ROOT) + ":" + name;
    }
}
