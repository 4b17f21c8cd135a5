package io.weir.filters.wasm;

import io.weir.spi.Headers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A header map as the ABI sees it: a live SPI map, or a read-only call-out response. */
abstract class HeaderView {
    abstract List<Map.Entry<String, String>> pairs();

    abstract String get(String name);

    abstract int add(String name, String value);

    abstract int set(String name, String value);

    abstract void remove(String name);

    abstract void replaceAll(List<Map.Entry<String, String>> pairs);

    static HeaderView of(Headers h) {
        return new HeaderView() {
            @Override
            List<Map.Entry<String, String>> pairs() {
                List<Map.Entry<String, String>> all = h.entries();
                if (h.get(":authority") == null) {
                    return all;
                }
                // as in Envoy, an HTTP/1 host header is the :authority pseudo-header, not a pair
                // of its own (a module that writes the pairs back must not double it)
                List<Map.Entry<String, String>> out = new ArrayList<>(all.size());
                for (Map.Entry<String, String> e : all) {
                    if (!e.getKey().equals("host")) {
                        out.add(e);
                    }
                }
                return out;
            }

            @Override
            String get(String name) {
                return h.get(name);
            }

            @Override
            int add(String name, String value) {
                try {
                    h.add(name, value);
                    return Abi.OK;
                } catch (IllegalArgumentException e) {
                    return Abi.BAD_ARGUMENT;
                }
            }

            @Override
            int set(String name, String value) {
                try {
                    h.set(name, value);
                    return Abi.OK;
                } catch (IllegalArgumentException e) {
                    return Abi.BAD_ARGUMENT;
                }
            }

            @Override
            void remove(String name) {
                h.remove(name);
            }

            @Override
            void replaceAll(List<Map.Entry<String, String>> pairs) {
                for (Map.Entry<String, String> e : h.entries()) {
                    if (!e.getKey().startsWith(":")) {
                        h.remove(e.getKey());
                    }
                }
                boolean authority = false;
                for (Map.Entry<String, String> e : pairs) {
                    authority |= e.getKey().equals(":authority");
                }
                for (Map.Entry<String, String> e : pairs) {
                    if (authority && e.getKey().equals("host")) {
                        continue; // :authority is the host header
                    }
                    if (e.getKey().startsWith(":")) {
                        h.set(e.getKey(), e.getValue());
                    } else {
                        h.add(e.getKey(), e.getValue());
                    }
                }
            }
        };
    }

    /** A read-only view of a call-out response, with {@code :status}. */
    static HeaderView of(List<Map.Entry<String, String>> headers, int status) {
        List<Map.Entry<String, String>> all = new ArrayList<>(headers.size() + 1);
        if (status > 0) {
            all.add(Map.entry(":status", Integer.toString(status)));
        }
        all.addAll(headers);
        return new HeaderView() {
            @Override
            List<Map.Entry<String, String>> pairs() {
                return all;
            }

            @Override
            String get(String name) {
                for (Map.Entry<String, String> e : all) {
                    if (e.getKey().equalsIgnoreCase(name)) {
                        return e.getValue();
                    }
                }
                return null;
            }

            @Override
            int add(String name, String value) {
                return Abi.BAD_ARGUMENT;
            }

            @Override
            int set(String name, String value) {
                return Abi.BAD_ARGUMENT;
            }

            @Override
            void remove(String name) {}

            @Override
            void replaceAll(List<Map.Entry<String, String>> pairs) {}
        };
    }
}
