package io.weir.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The HPACK decoder against the examples of RFC 7541 Appendix C, and malformed blocks. */
class HpackTest {

    private static List<String> decode(Hpack h, String hex) throws Exception {
        byte[] b = HexFormat.of().parseHex(hex.replace(" ", ""));
        List<String> out = new ArrayList<>();
        h.decode(b, 0, b.length, out);
        return out;
    }

    /** C.6: three responses with Huffman-coded values, a 256-octet table, evictions. */
    @Test
    void responsesWithHuffmanCodingAndEvictions() throws Exception {
        Hpack h = new Hpack(256);
        assertThat(
                        decode(
                                h,
                                "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005"
                                        + " 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7"
                                        + " 8f0b 97c8 e9ae 82ae 43d3"))
                .containsExactly(
                        ":status", "302",
                        "cache-control", "private",
                        "date", "Mon, 21 Oct 2013 20:13:21 GMT",
                        "location", "https://www.example.com");
        assertThat(h.tableSize()).isEqualTo(222);
        assertThat(decode(h, "4883 640e ffc1 c0bf"))
                .containsExactly(
                        ":status", "307",
                        "cache-control", "private",
                        "date", "Mon, 21 Oct 2013 20:13:21 GMT",
                        "location", "https://www.example.com");
        assertThat(h.tableSize()).isEqualTo(222);
        assertThat(
                        decode(
                                h,
                                "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d"
                                        + " 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335"
                                        + " dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f"
                                        + " 9587 3160 65c0 03ed 4ee5 b106 3d50 07"))
                .containsExactly(
                        ":status", "200",
                        "cache-control", "private",
                        "date", "Mon, 21 Oct 2013 20:13:22 GMT",
                        "location", "https://www.example.com",
                        "content-encoding", "gzip",
                        "set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1");
        assertThat(h.tableSize()).isEqualTo(215);
    }

    /** C.4: three requests with Huffman coding, the default table. */
    @Test
    void requestsWithHuffmanCoding() throws Exception {
        Hpack h = new Hpack(4096);
        assertThat(decode(h, "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"))
                .containsExactly(
                        ":method", "GET",
                        ":scheme", "http",
                        ":path", "/",
                        ":authority", "www.example.com");
        assertThat(h.tableSize()).isEqualTo(57);
        assertThat(decode(h, "8286 84be 5886 a8eb 1064 9cbf"))
                .containsExactly(
                        ":method", "GET",
                        ":scheme", "http",
                        ":path", "/",
                        ":authority", "www.example.com",
                        "cache-control", "no-cache");
        assertThat(h.tableSize()).isEqualTo(110);
        assertThat(decode(h, "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"))
                .containsExactly(
                        ":method", "GET",
                        ":scheme", "https",
                        ":path", "/index.html",
                        ":authority", "www.example.com",
                        "custom-key", "custom-value");
        assertThat(h.tableSize()).isEqualTo(164);
    }

    @Test
    void aTableSizeUpdateEvictsAndMayNotExceedOurLimit() throws Exception {
        Hpack h = new Hpack(4096);
        decode(h, "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"); // one 57-octet entry
        assertThat(decode(h, "20 88")).containsExactly(":status", "200"); // size 0: evicted
        assertThat(h.tableSize()).isZero();
        assertThatThrownBy(() -> decode(h, "be")).hasMessageContaining("no entry 62");
        assertThatThrownBy(() -> decode(h, "3fe2 1f")) // 4097
                .hasMessageContaining("over 4096");
    }

    @Test
    void malformedBlocksAreErrors() {
        Hpack h = new Hpack(4096);
        assertThatThrownBy(() -> decode(h, "80")).hasMessageContaining("no entry 0");
        assertThatThrownBy(() -> decode(h, "0f")).hasMessageContaining("cut short");
        assertThatThrownBy(() -> decode(h, "4085 f1e3")).hasMessageContaining("past the block");
        // "a" (00011) then 3 padding bits that are not all ones
        assertThatThrownBy(() -> decode(h, "0081 18")).hasMessageContaining("padding");
        // a full byte of ones after a symbol: padding longer than 7 bits
        assertThatThrownBy(() -> decode(h, "0082 1fff")).hasMessageContaining("padding");
        assertThatThrownBy(() -> decode(h, "8288 20")).hasMessageContaining("after a field");
    }
}
