package io.weir.spi.testkit;

import io.weir.spi.Headers;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

/** A {@link Headers} as the kernel keeps it: ordered, lower-case names, pseudo-headers first. */
final class TestHeaders implements Headers {
    private final List<Map.Entry<String, String>> fields = new ArrayList<>();

    @Override
    public String get(String name) {
        String n = lower(name);
        for (Map.Entry<String, String> e : fields) {
            if (e.getKey().equals(n)) {
                return e.getValue();
            }
        }
        return null;
    }

    @Override
    public List<String> getAll(String name) {
        String n = lower(name);
        List<String> all = new ArrayList<>();
        for (Map.Entry<String, String> e : fields) {
            if (e.getKey().equals(n)) {
                all.add(e.getValue());
            }
        }
        return all;
    }

    @Override
    public void set(String name, String value) {
        String n = lower(name);
        Objects.requireNonNull(value, "value");
        int at = -1;
        for (int i = 0; i < fields.size() && at < 0; i++) {
            if (fields.get(i).getKey().equals(n)) {
                at = i;
            }
        }
        if (at < 0) {
            insert(n, value);
        } else {
            fields.removeIf(e -> e.getKey().equals(n));
            fields.add(at, Map.entry(n, value));
        }
    }

    @Override
    public void add(String name, String value) {
        String n = lower(name);
        Objects.requireNonNull(value, "value");
        if (n.startsWith(":")) {
            set(n, value);
        } else {
            insert(n, value);
        }
    }

    @Override
    public void remove(String name) {
        String n = lower(name);
        if (!n.startsWith(":")) {
            fields.removeIf(e -> e.getKey().equals(n));
        }
    }

    @Override
    public void forEach(BiConsumer<String, String> action) {
        for (Map.Entry<String, String> e : List.copyOf(fields)) {
            action.accept(e.getKey(), e.getValue());
        }
    }

    @Override
    public List<Map.Entry<String, String>> entries() {
        return new ArrayList<>(fields);
    }

    @Override
    public String toString() {
        return fields.toString();
    }

    private void insert(String n, String value) {
        int at = fields.size();
        if (n.startsWith(":")) {
            at = 0;
            while (at < fields.size() && fields.get(at).getKey().startsWith(":")) {
                at++;
            }
        }
        fields.add(at, Map.entry(n, value));
    }

    private static String lower(String name) {
        return Objects.requireNonNull(name, "name").toLowerCase(Locale.ROOT);
    }
}
