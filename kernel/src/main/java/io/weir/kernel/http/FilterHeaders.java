package io.weir.kernel.http;

import io.weir.kernel.http1.HeaderMap;
import io.weir.kernel.http1.Http1Parser;
import io.weir.spi.Headers;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The SPI's view of a kernel {@link HeaderMap}, with pseudo-headers answered by a {@link Pseudo}.
 * Worker thread only.
 */
final class FilterHeaders implements Headers {
    /** Reads and writes the pseudo-headers of one message. */
    interface Pseudo {
        /** The pseudo-header names this message has, in order. */
        String[] names();

        String get(String name);

        void set(String name, String value);

        /**
         * How many of {@link #names} have a value: what {@link Headers#size} counts, without making
         * the values (a module is told the size on every header callback).
         */
        default int count() {
            int n = 0;
            for (String p : names()) {
                if (get(p) != null) {
                    n++;
                }
            }
            return n;
        }
    }

    private static final String[] NONE = new String[0];

    final HeaderMap map;
    private final Pseudo pseudo;

    FilterHeaders(HeaderMap map, Pseudo pseudo) {
        this.map = map;
        this.pseudo = pseudo;
    }

    private static String lower(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    @Override
    public String get(String name) {
        String n = lower(name);
        if (n.startsWith(":")) {
            return pseudo == null ? null : pseudo.get(n);
        }
        return map.get(n);
    }

    @Override
    public List<String> getAll(String name) {
        String n = lower(name);
        if (n.startsWith(":")) {
            String v = get(n);
            return v == null ? List.of() : List.of(v);
        }
        return map.getAll(n);
    }

    @Override
    public void set(String name, String value) {
        String n = lower(name);
        checkValue(n, value);
        if (n.startsWith(":")) {
            if (pseudo != null) {
                pseudo.set(n, value);
            }
            return;
        }
        map.set(n, value);
    }

    @Override
    public void add(String name, String value) {
        String n = lower(name);
        checkValue(n, value);
        if (n.startsWith(":")) {
            set(n, value);
            return;
        }
        map.add(n, value);
    }

    @Override
    public void remove(String name) {
        String n = lower(name);
        if (!n.startsWith(":")) {
            map.remove(n);
        }
    }

    @Override
    public void forEach(BiConsumer<String, String> action) {
        for (String p : pseudo == null ? NONE : pseudo.names()) {
            String v = pseudo.get(p);
            if (v != null) {
                action.accept(p, v);
            }
        }
        map.forEach(action);
    }

    @Override
    public int size() {
        return pseudo == null ? map.size() : map.size() + pseudo.count();
    }

    @Override
    public List<Map.Entry<String, String>> entries() {
        List<Map.Entry<String, String>> out = new ArrayList<>(map.size() + 4);
        forEach((n, v) -> out.add(Map.entry(n, v)));
        return out;
    }

    /**
     * Names must be tokens (after a pseudo-header's colon) and values must not break the message
     * (CR, LF, NUL). The name is checked against the parser's tchar table: a Wasm module adds a
     * header on every request, and a scan of the separator string per character showed in profiles.
     */
    private static void checkValue(String name, String value) {
        if (name.isEmpty() || value == null) {
            throw new IllegalArgumentException("header name and value are required");
        }
        if (!Http1Parser.isToken(name.charAt(0) == ':' ? name.substring(1) : name)) {
            throw new IllegalArgumentException("invalid header name " + name);
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                throw new IllegalArgumentException("invalid header value for " + name);
            }
        }
    }
}
