package io.weir.kernel.http;

import io.netty.util.concurrent.FastThreadLocal;
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
        String n = checked(name, value);
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
        String n = checked(name, value);
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
     * A name and value a filter passed on this thread before and that passed {@link #check}, by
     * identity, with the name in lower case: a filter sets the same header on every request (a Java
     * plugin's constants, a Wasm module's strings, which the host's string cache hands out as the
     * same instances), and lower-casing and checking them again each time showed in profiles. A
     * string is immutable, so one found valid stays valid. Direct-mapped by the strings' hash codes
     * (cached in each string); a miss only checks again. Only pairs of up to 1,024 characters are
     * kept.
     */
    private static final class Seen {
        static final int SLOTS = 32;
        static final int MAX_CHARS = 1024;
        final String[] name = new String[SLOTS];
        final String[] lower = new String[SLOTS];
        final String[] value = new String[SLOTS];
    }

    private static final FastThreadLocal<Seen> SEEN =
            new FastThreadLocal<>() {
                @Override
                protected Seen initialValue() {
                    return new Seen();
                }
            };

    /** The name in lower case, after {@link #check} of it and the value (or a cache hit). */
    private static String checked(String name, String value) {
        if (name == null || value == null) {
            throw new IllegalArgumentException("header name and value are required");
        }
        String n;
        if (name.length() + value.length() > Seen.MAX_CHARS) { // a big one is not kept alive
            n = lower(name);
            check(n, value);
            return n;
        }
        Seen seen = SEEN.get();
        int i = name.hashCode() & (Seen.SLOTS - 1);
        int j = value.hashCode() & (Seen.SLOTS - 1);
        if (seen.name[i] == name && seen.value[j] == value) {
            return seen.lower[i];
        }
        n = lower(name);
        check(n, value);
        seen.name[i] = name;
        seen.lower[i] = n;
        seen.value[j] = value;
        return n;
    }

    /**
     * Names must be tokens (after a pseudo-header's colon) and values must not break the message
     * (CR, LF, NUL). The name is checked against the parser's tchar table: a Wasm module adds a
     * header on every request, and a scan of the separator string per character showed in profiles.
     */
    private static void check(String name, String value) {
        if (name.isEmpty()) {
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
