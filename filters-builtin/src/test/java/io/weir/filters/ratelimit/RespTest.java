package io.weir.filters.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RespTest {
    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static List<Reply> decodeAll(String wire) throws Resp.ProtocolException {
        Resp.Decoder d = new Resp.Decoder();
        d.feed(bytes(wire));
        return d.drain();
    }

    static Reply decode(String wire) throws Resp.ProtocolException {
        List<Reply> all = decodeAll(wire);
        assertThat(all).hasSize(1);
        return all.get(0);
    }

    @Test
    void encodesACommandAsAnArrayOfBulkStrings() {
        assertThat(new String(Resp.command("SET", "k", "v1"), StandardCharsets.UTF_8))
                .isEqualTo("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv1\r\n");
    }

    @Test
    void encodesUtf8ArgumentsByTheirByteLengthAndEmptyOnes() {
        assertThat(new String(Resp.command("ECHO", "é", ""), StandardCharsets.UTF_8))
                .isEqualTo("*3\r\n$4\r\nECHO\r\n$2\r\né\r\n$0\r\n\r\n");
    }

    @Test
    void encodesBinaryArgumentsVerbatim() {
        byte[] cmd = Resp.command(bytes("X"), new byte[] {0, '\r', '\n', (byte) 0xff});
        assertThat(cmd)
                .isEqualTo(
                        new byte[] {
                            '*',
                            '2',
                            '\r',
                            '\n',
                            '$',
                            '1',
                            '\r',
                            '\n',
                            'X',
                            '\r',
                            '\n',
                            '$',
                            '4',
                            '\r',
                            '\n',
                            0,
                            '\r',
                            '\n',
                            (byte) 0xff,
                            '\r',
                            '\n'
                        });
    }

    @Test
    void decodesASimpleString() throws Exception {
        assertThat(decode("+OK\r\n")).isEqualTo(new Reply.Simple("OK"));
    }

    @Test
    void decodesAnErrorAndItsCode() throws Exception {
        Reply r = decode("-NOSCRIPT No matching script. Please use EVAL.\r\n");
        assertThat(r).isEqualTo(new Reply.Error("NOSCRIPT No matching script. Please use EVAL."));
        assertThat(((Reply.Error) r).code()).isEqualTo("NOSCRIPT");
        assertThat(((Reply.Error) decode("-ERR\r\n")).code()).isEqualTo("ERR");
    }

    @Test
    void decodesIntegersIncludingNegativeAndLarge() throws Exception {
        assertThat(decode(":0\r\n")).isEqualTo(new Reply.Int(0));
        assertThat(decode(":-42\r\n")).isEqualTo(new Reply.Int(-42));
        assertThat(decode(":999999999999999999\r\n")).isEqualTo(new Reply.Int(999999999999999999L));
    }

    @Test
    void decodesBulkStringsEmptyNilAndBinary() throws Exception {
        assertThat(decode("$5\r\nhello\r\n")).isEqualTo(Reply.Bulk.of("hello"));
        assertThat(decode("$0\r\n\r\n")).isEqualTo(Reply.Bulk.of(""));
        assertThat(decode("$-1\r\n")).isEqualTo(new Reply.Bulk(null));
        assertThat(((Reply.Bulk) decode("$-1\r\n")).text()).isNull();
        // a bulk string may hold CR LF itself: its length, not a line end, frames it
        assertThat(decode("$4\r\na\r\nb\r\n")).isEqualTo(Reply.Bulk.of("a\r\nb"));
    }

    @Test
    void decodesArraysEmptyNilNestedAndMixed() throws Exception {
        assertThat(decode("*0\r\n")).isEqualTo(new Reply.Multi(List.of()));
        assertThat(decode("*-1\r\n")).isEqualTo(new Reply.Multi(null));
        assertThat(decode("*3\r\n:1\r\n:9\r\n:60000\r\n"))
                .isEqualTo(
                        new Reply.Multi(
                                List.of(new Reply.Int(1), new Reply.Int(9), new Reply.Int(60000))));
        assertThat(decode("*2\r\n*2\r\n+a\r\n$-1\r\n*1\r\n-ERR x\r\n"))
                .isEqualTo(
                        new Reply.Multi(
                                List.of(
                                        new Reply.Multi(
                                                List.of(
                                                        new Reply.Simple("a"),
                                                        new Reply.Bulk(null))),
                                        new Reply.Multi(List.of(new Reply.Error("ERR x"))))));
    }

    @Test
    void decodesPipelinedRepliesInOrderFromOneRead() throws Exception {
        assertThat(decodeAll("+OK\r\n:1\r\n$2\r\nhi\r\n*1\r\n:2\r\n-ERR no\r\n"))
                .containsExactly(
                        new Reply.Simple("OK"),
                        new Reply.Int(1),
                        Reply.Bulk.of("hi"),
                        new Reply.Multi(List.of(new Reply.Int(2))),
                        new Reply.Error("ERR no"));
    }

    @Test
    void aReplySplitAtEveryByteComesOutWholeOnceItsLastByteArrives() throws Exception {
        String wire = "*3\r\n:1\r\n$12\r\nhello\r\nworld\r\n*2\r\n+x\r\n$-1\r\n:7\r\n";
        byte[] b = bytes(wire);
        Resp.Decoder d = new Resp.Decoder();
        List<Reply> got = new ArrayList<>();
        List<Integer> completedAt = new ArrayList<>();
        for (int i = 0; i < b.length; i++) {
            d.feed(new byte[] {b[i]});
            Reply r;
            while ((r = d.next()) != null) {
                got.add(r);
                completedAt.add(i);
            }
        }
        assertThat(got)
                .containsExactly(
                        new Reply.Multi(
                                List.of(
                                        new Reply.Int(1),
                                        Reply.Bulk.of("hello\r\nworld"),
                                        new Reply.Multi(
                                                List.of(
                                                        new Reply.Simple("x"),
                                                        new Reply.Bulk(null))))),
                        new Reply.Int(7));
        // each reply is complete only with its very last byte ("\n" of "$-1", then of ":7")
        assertThat(completedAt).containsExactly(b.length - 5, b.length - 1);
        assertThat(d.buffered()).isZero();
        assertThat(d.next()).isNull();
    }

    @Test
    void splitsAnywhereAcrossManyRepliesAndLargeBulks() throws Exception {
        StringBuilder wire = new StringBuilder();
        List<Reply> want = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String v = "v".repeat(i * 37);
            wire.append('$').append(v.length()).append("\r\n").append(v).append("\r\n");
            wire.append(':').append(i).append("\r\n");
            want.add(Reply.Bulk.of(v));
            want.add(new Reply.Int(i));
        }
        byte[] b = bytes(wire.toString());
        for (int chunk : new int[] {1, 2, 3, 7, 100, 4096, b.length}) {
            Resp.Decoder d = new Resp.Decoder();
            List<Reply> got = new ArrayList<>();
            for (int at = 0; at < b.length; at += chunk) {
                d.feed(ByteBuffer.wrap(b, at, Math.min(chunk, b.length - at)));
                got.addAll(d.drain());
            }
            assertThat(got).as("chunk %d", chunk).isEqualTo(want);
            assertThat(d.buffered()).isZero();
        }
    }

    @Test
    void rejectsWhatIsNotResp2() {
        for (String bad :
                List.of(
                        "!oops\r\n",
                        ":12a\r\n",
                        ":\r\n",
                        "$-2\r\n",
                        "$3\r\nabcd\r\n",
                        "*-5\r\n",
                        "+a\rb\r\n",
                        "$99999999999\r\n")) {
            assertThatThrownBy(() -> decodeAll(bad))
                    .as(bad)
                    .isInstanceOf(Resp.ProtocolException.class);
        }
    }

    @Test
    void rejectsBulkStringsAboveTheLimitBeforeBufferingThem() {
        assertThatThrownBy(() -> decodeAll("$" + (Resp.MAX_BULK + 1) + "\r\n"))
                .isInstanceOf(Resp.ProtocolException.class)
                .hasMessage("bad bulk string length " + (Resp.MAX_BULK + 1));
    }

    @Test
    void rejectsArraysNestedTooDeep() {
        String deep = "*1\r\n".repeat(Resp.MAX_DEPTH + 1) + ":1\r\n";
        assertThatThrownBy(() -> decodeAll(deep))
                .isInstanceOf(Resp.ProtocolException.class)
                .hasMessage("arrays nested deeper than " + Resp.MAX_DEPTH);
        String ok = "*1\r\n".repeat(Resp.MAX_DEPTH) + ":1\r\n";
        assertThat(catchingDecode(ok)).hasSize(1);
    }

    @Test
    void rejectsALineWithoutEndAboveTheLimit() {
        byte[] longLine = new byte[Resp.MAX_LINE + 1];
        Arrays.fill(longLine, (byte) 'a');
        longLine[0] = '+';
        Resp.Decoder d = new Resp.Decoder();
        d.feed(longLine);
        assertThatThrownBy(d::next).isInstanceOf(Resp.ProtocolException.class);
    }

    private static List<Reply> catchingDecode(String s) {
        try {
            return decodeAll(s);
        } catch (Resp.ProtocolException e) {
            throw new AssertionError(e);
        }
    }
}
