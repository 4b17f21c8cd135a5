package io.weir.kernel.router;

/**
 * Normalises a request path before routing, as Envoy's {@code normalize_path}: percent-encoded
 * unreserved characters that change meaning ({@code %2E}) are decoded, a backslash is a slash (as
 * in Envoy's Chromium canonicaliser, since many servers read it so), dot segments are removed per
 * RFC 3986 5.2.4, a path that would climb above the root is refused, and optionally runs of slashes
 * are merged. Encoded slashes ({@code %2F}, {@code %5C}) are kept as they are (Envoy's {@code
 * KEEP_UNCHANGED}) so the upstream sees the same segments Weir routed on.
 */
public final class PathNormalizer {
    private PathNormalizer() {}

    /**
     * The normalised path (no query), or null when it is invalid or escapes the root. {@code path}
     * is the part of an origin-form target before {@code ?}.
     */
    public static String normalize(String path, boolean mergeSlashes) {
        if (path.isEmpty() || path.charAt(0) != '/') {
            return null;
        }
        if (isPlain(path, mergeSlashes)) {
            return path;
        }
        String decoded = decodeDots(path.replace('\\', '/'));
        if (decoded == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(decoded.length());
        int i = 0;
        int n = decoded.length();
        // walk segments: each starts after a '/'
        while (i < n) {
            // decoded.charAt(i) == '/'
            int next = decoded.indexOf('/', i + 1);
            if (next < 0) {
                next = n;
            }
            String seg = decoded.substring(i + 1, next);
            boolean last = next == n;
            if (seg.equals(".")) {
                if (last) {
                    out.append('/');
                }
            } else if (seg.equals("..")) {
                int cut = out.lastIndexOf("/");
                if (cut < 0) {
                    return null; // escapes the root
                }
                out.setLength(cut);
                if (last) {
                    out.append('/');
                }
            } else if (seg.isEmpty() && mergeSlashes && !last) {
                // "//" -> "/"
            } else {
                out.append('/').append(seg);
            }
            i = next;
        }
        if (out.length() == 0) {
            out.append('/');
        }
        return out.toString();
    }

    private static boolean isPlain(String p, boolean mergeSlashes) {
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '%' || c == '\\' || c == '.' && (i > 0 && p.charAt(i - 1) == '/')) {
                return false;
            }
            if (mergeSlashes && c == '/' && i > 0 && p.charAt(i - 1) == '/') {
                return false;
            }
        }
        return true;
    }

    /** Decodes %2E / %2e to '.', validates every other %XX, keeps it encoded (upper-cased hex). */
    private static String decodeDots(String p) {
        if (p.indexOf('%') < 0) {
            return p;
        }
        StringBuilder sb = new StringBuilder(p.length());
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c != '%') {
                sb.append(c);
                continue;
            }
            if (i + 2 >= p.length()) {
                return null;
            }
            int hi = Character.digit(p.charAt(i + 1), 16);
            int lo = Character.digit(p.charAt(i + 2), 16);
            if (hi < 0 || lo < 0) {
                return null;
            }
            int v = hi * 16 + lo;
            if (v == '.') {
                sb.append('.');
            } else {
                sb.append('%')
                        .append(Character.toUpperCase(p.charAt(i + 1)))
                        .append(Character.toUpperCase(p.charAt(i + 2)));
            }
            i += 2;
        }
        return sb.toString();
    }
}
