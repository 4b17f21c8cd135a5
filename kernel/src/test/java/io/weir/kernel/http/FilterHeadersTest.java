package io.weir.kernel.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.kernel.http1.HeaderMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The SPI's header view: name checks, pseudo-headers, and the size a module is told. */
class FilterHeadersTest {
    /** Pseudo-headers held in a map; a null value is an absent one. */
    private static final class MapPseudo implements FilterHeaders.Pseudo {
        final Map<String, String> values = new LinkedHashMap<>();

        @Override
        public String[] names() {
            return values.keySet().toArray(new String[0]);
        }

        @Override
        public String get(String name) {
            return values.get(name);
        }

        @Override
        public void set(String name, String value) {
            values.put(name, value);
        }
    }

    @Test
    void sizeCountsThePseudoHeadersThatHaveAValue() {
        HeaderMap m = new HeaderMap();
        m.add("host", "example.com");
        m.add("accept", "*/*");
        MapPseudo p = new MapPseudo();
        p.values.put(":method", "GET");
        p.values.put(":authority", null);
        FilterHeaders h = new FilterHeaders(m, p);
        assertThat(h.size()).isEqualTo(3);
        assertThat(h.entries()).hasSize(3);
        p.values.put(":authority", "example.com");
        assertThat(h.size()).isEqualTo(4);
        assertThat(new FilterHeaders(m, null).size()).as("trailers: no pseudo").isEqualTo(2);
    }

    @Test
    void addAcceptsTokensAndRejectsOtherNames() {
        HeaderMap m = new HeaderMap();
        FilterHeaders h = new FilterHeaders(m, new MapPseudo());
        h.add("X-Added", "bench");
        h.add("x!#$%&'*+-.^_`|~1", "v");
        assertThat(m.get("x-added")).as("names are lower-cased").isEqualTo("bench");
        assertThat(m.size()).isEqualTo(2);
        for (String bad :
                new String[] {
                    "", "x added", "x:y", "x(y", "x\"y", "x/y", "x@y", "x{y", "x\ty", "é", ":"
                }) {
            assertThatThrownBy(() -> h.add(bad, "v"))
                    .as("name '%s'", bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> h.add("x-ok", "a\r\nb"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> h.set("x-ok", "a\0b"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(m.size()).as("nothing added by a rejected call").isEqualTo(2);
    }

    @Test
    void aNameOrValueFoundValidBeforeDoesNotLetAnInvalidPartnerThrough() {
        HeaderMap m = new HeaderMap();
        FilterHeaders h = new FilterHeaders(m, new MapPseudo());
        String name = "X-Seen";
        String value = "ok";
        for (int i = 0; i < 3; i++) { // the same instances again: answered from the cache
            h.add(name, value);
        }
        assertThat(m.getAll("x-seen")).containsExactly("ok", "ok", "ok");
        assertThatThrownBy(() -> h.add(name, "bad\nvalue"))
                .as("a cached name with a bad value")
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> h.set("bad name", value))
                .as("a cached value with a bad name")
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> h.add(name, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> h.add(null, value)).isInstanceOf(IllegalArgumentException.class);
        h.set(name, value);
        assertThat(m.getAll("x-seen"))
                .as("set, from the cache, still lower-cases")
                .containsExactly("ok");
        assertThat(m.size()).isEqualTo(1);
    }

    @Test
    void pseudoHeadersGoToThePseudoAndNeverToTheMap() {
        HeaderMap m = new HeaderMap();
        MapPseudo p = new MapPseudo();
        p.values.put(":path", "/a");
        FilterHeaders h = new FilterHeaders(m, p);
        h.set(":path", "/b");
        assertThat(h.get(":PATH")).isEqualTo("/b");
        assertThatThrownBy(() -> h.set(":pa th", "/c"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(m.size()).isZero();
        assertThat(h.size()).isEqualTo(1);
    }
}
