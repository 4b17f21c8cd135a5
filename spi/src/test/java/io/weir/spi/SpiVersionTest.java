package io.weir.spi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SpiVersionTest {
    @Test
    void currentIsCompatibleWithItself() {
        assertThat(SpiVersion.compatible(SpiVersion.CURRENT, SpiVersion.CURRENT)).isTrue();
        assertThat(SpiVersion.parse(SpiVersion.CURRENT)).isNotNull();
    }

    @Test
    void anOlderMinorRunsOnANewerOne() {
        assertThat(SpiVersion.compatible("1.0", "1.3")).isTrue();
        assertThat(SpiVersion.compatible("1.3", "1.3")).isTrue();
    }

    @Test
    void aNewerMinorDoesNotRunOnAnOlderOne() {
        assertThat(SpiVersion.compatible("1.4", "1.3")).isFalse();
    }

    @Test
    void majorVersionsMustBeEqual() {
        assertThat(SpiVersion.compatible("2.0", "1.9")).isFalse();
        assertThat(SpiVersion.compatible("1.0", "2.0")).isFalse();
    }

    @Test
    void versionsCompareAsNumbersNotText() {
        assertThat(SpiVersion.compatible("1.9", "1.10")).isTrue();
        assertThat(SpiVersion.compatible("1.10", "1.9")).isFalse();
        assertThat(SpiVersion.parse("01.02")).containsExactly(1, 2);
    }

    @Test
    void malformedVersionsAreIncompatible() {
        for (String bad :
                new String[] {
                    null,
                    "",
                    "1",
                    "1.",
                    ".1",
                    "1.0.0",
                    "v1.0",
                    "1.x",
                    "+1.0",
                    "1.-0",
                    " 1.0",
                    "1234567.0",
                    "1.1234567"
                }) {
            assertThat(SpiVersion.parse(bad)).as(String.valueOf(bad)).isNull();
            assertThat(SpiVersion.compatible(bad, "1.0")).as(String.valueOf(bad)).isFalse();
            assertThat(SpiVersion.compatible("1.0", bad)).as(String.valueOf(bad)).isFalse();
        }
    }

    @Test
    void sixDigitPartsAreTheLongestAccepted() {
        assertThat(SpiVersion.parse("123456.654321")).containsExactly(123456, 654321);
    }
}
