package io.weir.kernel.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ResponseFlagTest {
    @Test
    void formatsNoFlagsAsADash() {
        assertThat(ResponseFlag.format(0)).isEqualTo("-");
    }

    @Test
    void formatsSetFlagsInDeclarationOrder() {
        int bits = ResponseFlag.DT.bit() | ResponseFlag.UF.bit() | ResponseFlag.UH.bit();
        assertThat(ResponseFlag.format(bits)).isEqualTo("UH,UF,DT");
        assertThat(ResponseFlag.format(ResponseFlag.UPE.bit())).isEqualTo("UPE");
        assertThat(ResponseFlag.UF.isSet(bits)).isTrue();
        assertThat(ResponseFlag.UT.isSet(bits)).isFalse();
    }

    @Test
    void hasEnvoysCodesEachWithItsOwnBit() {
        assertThat(Arrays.stream(ResponseFlag.values()).map(ResponseFlag::code))
                .containsExactly(
                        "UH", "UF", "UT", "UC", "UR", "UO", "UPE", "DC", "LR", "NR", "DPE", "RL",
                        "UAEX", "DI", "FI", "SI", "URX", "DT", "FF", "RLSE");
        int all = 0;
        for (ResponseFlag f : ResponseFlag.values()) {
            assertThat(all & f.bit()).isZero();
            assertThat(Integer.bitCount(f.bit())).isEqualTo(1);
            assertThat(f.description()).isNotBlank();
            all |= f.bit();
        }
        assertThat(ResponseFlag.format(all))
                .isEqualTo("UH,UF,UT,UC,UR,UO,UPE,DC,LR,NR,DPE,RL,UAEX,DI,FI,SI,URX,DT,FF,RLSE");
        // bits above the known flags are ignored
        assertThat(ResponseFlag.format(1 << 30)).isEqualTo("-");
    }
}
