package io.weir.kernel.http1;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HeaderMapTest {

    private static HeaderMap of(String... nv) {
        HeaderMap h = new HeaderMap(1);
        for (int i = 0; i < nv.length; i += 2) {
            h.add(nv[i], nv[i + 1]);
        }
        return h;
    }

    @Test
    void keepsFieldsInOrderAndGrowsPastItsInitialSize() {
        HeaderMap h = new HeaderMap(1);
        for (int i = 0; i < 20; i++) {
            h.add("x-" + i, "v" + i);
        }
        assertThat(h.size()).isEqualTo(20);
        assertThat(h.name(0)).isEqualTo("x-0");
        assertThat(h.value(19)).isEqualTo("v19");
        assertThat(h.get("x-7")).isEqualTo("v7");
        assertThat(h.get("x-20")).isNull();
    }

    @Test
    void countsAndListsEveryValueOfARepeatedName() {
        HeaderMap h = of("a", "1", "b", "2", "a", "3");
        assertThat(h.count("a")).isEqualTo(2);
        assertThat(h.getAll("a")).containsExactly("1", "3");
        assertThat(h.get("a")).isEqualTo("1");
        assertThat(h.contains("b")).isTrue();
        assertThat(h.contains("c")).isFalse();
    }

    @Test
    void setReplacesEveryValueInThePlaceOfTheFirst() {
        HeaderMap h = of("a", "1", "b", "2", "a", "3", "c", "4", "a", "5");
        h.set("a", "x");
        assertThat(h).hasToString("{a: x, b: 2, c: 4}");
        h.set("d", "y");
        assertThat(h).hasToString("{a: x, b: 2, c: 4, d: y}");
    }

    @Test
    void removeDropsEveryFieldOfTheName() {
        HeaderMap h = of("a", "1", "b", "2", "a", "3", "c", "4");
        assertThat(h.remove("a")).isTrue();
        assertThat(h).hasToString("{b: 2, c: 4}");
        assertThat(h.remove("a")).isFalse();
        h.add("e", "5");
        assertThat(h).hasToString("{b: 2, c: 4, e: 5}");
        assertThat(h.get("a")).isNull();
    }

    @Test
    void removeKeepsTheOrderOfTheRestWhereverTheMatchesAre() {
        HeaderMap h = of("a", "1", "a", "2", "b", "3", "a", "4", "a", "5", "c", "6", "a", "7");
        assertThat(h.remove("a")).isTrue();
        assertThat(h).hasToString("{b: 3, c: 6}");
        assertThat(h.size()).isEqualTo(2);
        h.add("d", "8"); // the freed slots are reused in order
        assertThat(h).hasToString("{b: 3, c: 6, d: 8}");
        assertThat(of("x", "1").remove("x")).isTrue();
        HeaderMap last = of("b", "1", "a", "2");
        last.remove("a");
        assertThat(last).hasToString("{b: 1}");
    }
}
