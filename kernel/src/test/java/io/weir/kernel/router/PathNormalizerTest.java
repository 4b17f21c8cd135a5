package io.weir.kernel.router;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PathNormalizerTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "/, /",
        "/a/b, /a/b",
        "/a/b/, /a/b/",
        "/a/./b/../c, /a/c",
        "/a/./b, /a/b",
        "/./a, /a",
        "/a/., /a/",
        "/a/.., /",
        "/a/b/.., /a/",
        "/a/b/../.., /",
        "/.., ",
        "/a/../.., ",
        "/a/../../b, ",
        "/../etc/passwd, ",
        "/a/b/%2e%2e/c, /a/c",
        "/a/b/%2E%2E/c, /a/c",
        "/a/b/.%2e/c, /a/c",
        "/a/b/%2e./c, /a/c",
        "/a/%2e/b, /a/b",
        "/%2e%2e/etc/passwd, ",
        "/a/%2e%2e/%2e%2e/b, ",
        "/api/../admin, /admin",
        "/api/%2e%2e/admin, /admin",
        "/a/..%2fb, /a/..%2Fb",
        "/a%2Fb, /a%2Fb",
        "/a%2fb, /a%2Fb",
        "/a/%2F../b, /a/%2F../b",
        "/a/%2e%2e%2fb, /a/..%2Fb",
        "/a%5Cb, /a%5Cb",
        "/api/..\\admin, /admin",
        "/a\\b, /a/b",
        "/a\\.\\b\\, /a/b/",
        "/..\\etc, ",
        "/a/%41, /a/%41",
        "/a/.hidden/..., /a/.hidden/...",
        "/a/..b/c, /a/..b/c",
        "/a/b.., /a/b..",
        "/a//b, /a//b",
        "//a///b, //a///b",
        "/a//../b, /a/b",
        "/%zz, ",
        "/%2, ",
        "/a%, ",
        "a/b, ",
        "*, ",
    })
    void normalisesWithoutMergingSlashes(String in, String expected) {
        assertThat(PathNormalizer.normalize(in, false)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "//a///b, /a/b",
        "/a//b/, /a/b/",
        "/a//, /a/",
        "//, /",
        "/a//./b, /a/b",
        "//..//a, ",
        "/a//..//b, /b",
        "/a%2F%2Fb, /a%2F%2Fb",
    })
    void normalisesMergingSlashes(String in, String expected) {
        assertThat(PathNormalizer.normalize(in, true)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/a", "/a/b/c.html", "/a-b_c~d", "/a;b=c/d"})
    void returnsPlainPathsUnchanged(String path) {
        assertThat(PathNormalizer.normalize(path, false)).isSameAs(path);
        assertThat(PathNormalizer.normalize(path, true)).isSameAs(path);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a/./b/../c", "/a/%2e%2e/b", "//a//b/", "/a%2fb/./c/.."})
    void isIdempotent(String path) {
        for (boolean merge : new boolean[] {false, true}) {
            String once = PathNormalizer.normalize(path, merge);
            assertThat(PathNormalizer.normalize(once, merge)).isEqualTo(once);
        }
    }
}
