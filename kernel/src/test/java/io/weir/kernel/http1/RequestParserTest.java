package io.weir.kernel.http1;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.weir.kernel.http1.ParserFeed.Events;
import io.weir.kernel.http1.ParserFeed.Split;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestParserTest {
    private static final int MAX_HEADER_BYTES = 60 * 1024;
    private static final int MAX_HEADERS = 100;
    private static final List<Split> LARGE_SPLITS =
            List.of(
                    Split.WHOLE,
                    Split.random(3, 100),
                    Split.random(4, 4096),
                    Split.random(5, 30000));

    /** Records what the parser reports; body buffers are copied and released. */
    private static final class Recorder implements RequestParser.Listener {
        final Events events = new Events();

        @Override
        public void onRequestHead(RequestHead head, long bodyLength) {
            events.add(
                    "head "
                            + head.method
                            + " "
                            + head.target
                            + " "
                            + head.protocol()
                            + " len="
                            + bodyLength
                            + " "
                            + head.headers);
        }

        @Override
        public void onRequestBody(ByteBuf data) {
            events.body(data);
        }

        @Override
        public void onRequestComplete(HeaderMap trailers) {
            events.add("complete trailers=" + trailers);
        }

        @Override
        public void onRequestError(int status, String reason) {
            events.add("error " + status + " " + reason);
        }
    }

    private static List<String> parse(String raw, Split split, boolean closeAtEnd) {
        Recorder r = new Recorder();
        ParserFeed.feed(
                new RequestParser(MAX_HEADER_BYTES, MAX_HEADERS, r), raw, split, closeAtEnd);
        return r.events.list;
    }

    /** Parses in one buffer and checks that every other way of cutting it gives the same. */
    private static List<String> parse(String raw) {
        List<String> whole = parse(raw, Split.WHOLE, false);
        for (Split s : ParserFeed.splits()) {
            assertThat(parse(raw, s, false)).as("events with split %s", s).isEqualTo(whole);
        }
        return whole;
    }

    /** Asserts that {@code raw} is rejected with {@code status} before any request head. */
    private static void assertRejectedBeforeHead(String raw, int status) {
        List<String> events = parse(raw);
        assertThat(events).hasSize(1);
        assertThat(events.get(0)).startsWith("error " + status + " ");
    }

    /** The same for inputs too large to feed byte by byte quickly: a few coarse splits. */
    private static void assertLargeRejectedBeforeHead(String raw, int status) {
        for (Split s : LARGE_SPLITS) {
            List<String> events = parse(raw, s, false);
            assertThat(events).as("split %s", s).hasSize(1);
            assertThat(events.get(0)).as("split %s", s).startsWith("error " + status + " ");
        }
    }

    private static String get(String headers) {
        return "GET / HTTP/1.1\r\nHost: a\r\n" + headers + "\r\n";
    }

    // ---- valid requests -------------------------------------------------------------------

    @Test
    void parsesGetWithoutBody() {
        assertThat(parse("GET /x?y=1 HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n"))
                .containsExactly(
                        "head GET /x?y=1 HTTP/1.1 len=0 {host: a, accept: */*}",
                        "complete trailers=null");
    }

    @Test
    void lowerCasesNamesAndTrimsOptionalWhitespaceAroundValues() {
        assertThat(parse("GET / HTTP/1.1\r\nHOST:a\r\nX-Thing: \t v 1 \t\r\n\r\n"))
                .containsExactly(
                        "head GET / HTTP/1.1 len=0 {host: a, x-thing: v 1}",
                        "complete trailers=null");
    }

    @Test
    void parsesContentLengthBody() {
        assertThat(parse("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world"))
                .containsExactly(
                        "head POST /p HTTP/1.1 len=11 {host: a, content-length: 11}",
                        "body=hello world",
                        "complete trailers=null");
    }

    @Test
    void treatsContentLengthZeroAsNoBody() {
        assertThat(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 000\r\n\r\n"))
                .containsExactly(
                        "head POST / HTTP/1.1 len=0 {host: a, content-length: 000}",
                        "complete trailers=null");
    }

    @Test
    void parsesChunkedBodyWithExtensionsAndTrailers() {
        String raw =
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "5;name=value\r\nhello\r\n"
                        + "6 ; x=\"q\"\r\n world\r\n"
                        + "A\r\n0123456789\r\n"
                        + "0\r\nX-Checksum: abc\r\n\r\n";
        assertThat(parse(raw))
                .containsExactly(
                        "head POST / HTTP/1.1 len=-1 {host: a, transfer-encoding: chunked}",
                        "body=hello world0123456789",
                        "complete trailers={x-checksum: abc}");
    }

    @Test
    void acceptsChunkedInAnyCase() {
        assertThat(
                        parse(
                                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n"))
                .containsExactly(
                        "head POST / HTTP/1.1 len=-1 {host: a, transfer-encoding: CHUNKED}",
                        "complete trailers={}");
    }

    @Test
    void parsesPipelinedRequestsInOrder() {
        String raw =
                "POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                        + "POST /2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "2\r\nde\r\n0\r\n\r\n"
                        + "GET /3 HTTP/1.1\r\nHost: a\r\n\r\n";
        assertThat(parse(raw))
                .containsExactly(
                        "head POST /1 HTTP/1.1 len=3 {host: a, content-length: 3}",
                        "body=abc",
                        "complete trailers=null",
                        "head POST /2 HTTP/1.1 len=-1 {host: a, transfer-encoding: chunked}",
                        "body=de",
                        "complete trailers={}",
                        "head GET /3 HTTP/1.1 len=0 {host: a}",
                        "complete trailers=null");
    }

    @Test
    void ignoresEmptyLinesBeforeTheRequestLine() {
        assertThat(parse("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"))
                .containsExactly("head GET / HTTP/1.1 len=0 {host: a}", "complete trailers=null");
    }

    @Test
    void rejectsMoreThanFourEmptyLinesBeforeTheRequestLineWith400() {
        assertRejectedBeforeHead("\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    }

    @Test
    void acceptsHttp10WithoutHost() {
        assertThat(parse("GET / HTTP/1.0\r\n\r\n"))
                .containsExactly("head GET / HTTP/1.0 len=0 {}", "complete trailers=null");
    }

    @Test
    void acceptsUnderscoreInNamesOtherThanFramingHeaders() {
        assertThat(parse(get("X_Custom: 1\r\n")))
                .containsExactly(
                        "head GET / HTTP/1.1 len=0 {host: a, x_custom: 1}",
                        "complete trailers=null");
    }

    @Test
    void acceptsObsTextInValues() {
        assertThat(parse(get("X: caf\u00e9\r\n")))
                .containsExactly(
                        "head GET / HTTP/1.1 len=0 {host: a, x: caf\u00e9}",
                        "complete trailers=null");
    }

    @Test
    void acceptsExactlyTheMaximumNumberOfHeaderFields() {
        StringBuilder h = new StringBuilder();
        for (int i = 1; i < MAX_HEADERS; i++) { // plus host = MAX_HEADERS
            h.append("x-").append(i).append(": v\r\n");
        }
        List<String> events = parse(get(h.toString()), Split.WHOLE, false);
        assertThat(events).hasSize(2);
        assertThat(events.get(0)).startsWith("head GET / HTTP/1.1").contains("x-99: v");
    }

    @Test
    void acceptsAHeaderSectionOfExactlyTheLimit() {
        String start = "GET / HTTP/1.1\r\nHost: a\r\nX-Fill: ";
        int fill = MAX_HEADER_BYTES - start.length() - 4; // CRLF after the value, final CRLF
        String raw = start + "v".repeat(fill) + "\r\n\r\n";
        assertThat(raw).hasSize(MAX_HEADER_BYTES);
        for (Split s : LARGE_SPLITS) {
            assertThat(parse(raw, s, false))
                    .as("split %s", s)
                    .hasSize(2)
                    .last()
                    .isEqualTo("complete trailers=null");
        }
        assertLargeRejectedBeforeHead(start + "v".repeat(fill + 1) + "\r\n\r\n", 431);
    }

    // ---- framing ----------------------------------------------------------------------------

    @Test
    void rejectsBothContentLengthAndTransferEncodingWith400() {
        assertRejectedBeforeHead(
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "0\r\n\r\n",
                400);
        assertRejectedBeforeHead(
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n",
                400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip, chunked", "identity", "chunked, identity", "gzip", "xchunked"})
    void rejectsTransferEncodingOtherThanChunkedWith501(String te) {
        assertRejectedBeforeHead(
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: " + te + "\r\n\r\n", 501);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "chu nked", "\"chunked\"", "chunked,", ", chunked", "chunked@"})
    void rejectsMalformedTransferEncodingWith400(String te) {
        assertRejectedBeforeHead(
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: " + te + "\r\n\r\n", 400);
    }

    @Test
    void rejectsTwoTransferEncodingFieldsWith400() {
        assertRejectedBeforeHead(
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n",
                400);
        assertRejectedBeforeHead(
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                        + "transfer-encoding: chunked\r\n\r\n",
                400);
    }

    @Test
    void rejectsTransferEncodingInHttp10With400() {
        assertRejectedBeforeHead(
                "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"1, 1", "1,1", "-1", "abc", "+5", "", "0x10", "5 5", "1234567890123456789"})
    void rejectsInvalidContentLengthWith400(String cl) {
        assertRejectedBeforeHead(
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + cl + "\r\n\r\n", 400);
    }

    @Test
    void rejectsTwoContentLengthFieldsEvenWhenEqualWith400() {
        assertRejectedBeforeHead(
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
                400);
        assertRejectedBeforeHead(
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy",
                400);
    }

    static Stream<Arguments> invalidChunks() {
        return Stream.of(
                Arguments.of("non-hex size", "zz\r\n"),
                Arguments.of("empty size", "\r\nabc\r\n0\r\n\r\n"),
                Arguments.of("leading space", " 5\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("signed size", "-5\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("0x prefix", "0x5\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("garbage after size", "5 x\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("16 hex digits", "0000000000000005\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("data not followed by CRLF", "5\r\nhelloXX0\r\n\r\n"),
                Arguments.of("data longer than the size", "3\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("bare LF after the size", "5\nhello\r\n0\r\n\r\n"),
                Arguments.of("bare LF after the data", "5\r\nhello\n0\r\n\r\n"),
                Arguments.of("NUL in an extension", "5;a=\0\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("size line over 4 KiB", "5;" + "x".repeat(5000) + "\r\nhello\r\n"),
                Arguments.of("bare LF ending the trailers", "0\r\n\n"),
                Arguments.of("obs-fold in the trailers", "0\r\nX: a\r\n b\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidChunks")
    void rejectsInvalidChunkFramingWith400(String why, String body) {
        List<String> events =
                parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
        assertThat(events.get(0)).startsWith("head POST / HTTP/1.1 len=-1");
        assertThat(events.get(events.size() - 1)).startsWith("error 400 ");
        assertThat(events).noneMatch(e -> e.startsWith("complete"));
    }

    @Test
    void acceptsFifteenHexDigitChunkSize() {
        List<String> events =
                parse(
                        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + "000000000000005\r\nhello\r\n0\r\n\r\n");
        assertThat(events).containsSubsequence("body=hello", "complete trailers={}");
    }

    @Test
    void reportsATruncatedBodyWhenThePeerClosesWithStatusZero() {
        String raw = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc";
        assertThat(parse(raw, Split.WHOLE, true))
                .containsExactly(
                        "head POST / HTTP/1.1 len=10 {host: a, content-length: 10}",
                        "body=abc",
                        "error 0 connection closed before the message was complete");
        assertThat(parse(raw, Split.BYTE_BY_BYTE, true)).isEqualTo(parse(raw, Split.WHOLE, true));
    }

    @Test
    void reportsNothingWhenThePeerClosesBetweenRequests() {
        assertThat(parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n", Split.WHOLE, true))
                .containsExactly("head GET / HTTP/1.1 len=0 {host: a}", "complete trailers=null");
    }

    // ---- limits -----------------------------------------------------------------------------

    @Test
    void rejectsAHeaderSectionOverTheLimitWith431() {
        StringBuilder h = new StringBuilder();
        for (int i = 0; i < 61; i++) {
            h.append("x-").append(i).append(": ").append("v".repeat(1000)).append("\r\n");
        }
        assertLargeRejectedBeforeHead(get(h.toString()), 431);
    }

    @Test
    void rejectsOneHeaderLineOverTheLimitWith431EvenBeforeItsEnd() {
        assertLargeRejectedBeforeHead(
                "GET / HTTP/1.1\r\nHost: a\r\nX: " + "v".repeat(MAX_HEADER_BYTES), 431);
    }

    @Test
    void rejectsMoreThanTheMaximumNumberOfHeaderFieldsWith431() {
        StringBuilder h = new StringBuilder();
        for (int i = 0; i < MAX_HEADERS; i++) { // plus host = MAX_HEADERS + 1
            h.append("x-").append(i).append(": v\r\n");
        }
        assertRejectedBeforeHead(get(h.toString()), 431);
    }

    @Test
    void rejectsARequestLineOverTheLimitWith414() {
        assertLargeRejectedBeforeHead(
                "GET /" + "a".repeat(MAX_HEADER_BYTES) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414);
        assertLargeRejectedBeforeHead("GET /" + "a".repeat(MAX_HEADER_BYTES), 414);
    }

    // ---- header syntax ----------------------------------------------------------------------

    static Stream<Arguments> malformedHeaderLines() {
        return Stream.of(
                Arguments.of("NUL in a value", "X: a\0b\r\n"),
                Arguments.of("NUL in a name", "X\0Y: a\r\n"),
                Arguments.of("bare CR in a value", "X: a\rb\r\n"),
                Arguments.of("bare CR ending a value", "X: a\r\r\n"),
                Arguments.of("bare CR in a name", "X\rY: a\r\n"),
                Arguments.of("bare LF ending a line", "X: a\nY: b\r\n"),
                Arguments.of("bare LF ending the section", "X: a\r\n\n"),
                Arguments.of("control character in a value", "X: a\u0001b\r\n"),
                Arguments.of("DEL in a value", "X: a\u007fb\r\n"),
                Arguments.of("vertical tab before a value", "Transfer-Encoding: \u000bchunked\r\n"),
                Arguments.of("space before the colon", "Content-Length : 0\r\n"),
                Arguments.of("tab before the colon", "Transfer-Encoding\t: chunked\r\n"),
                Arguments.of("obsolete line folding", "X: a\r\n b\r\n"),
                Arguments.of("folded framing header", "X: a\r\n Transfer-Encoding: chunked\r\n"),
                Arguments.of("no colon", "X-No-Colon\r\n"),
                Arguments.of("empty name", ": a\r\n"),
                Arguments.of("'@' in a name", "X@Y: a\r\n"),
                Arguments.of("'(' in a name", "X(Y): a\r\n"),
                Arguments.of("non-ASCII in a name", "X\u00e9: a\r\n"),
                Arguments.of("slash in a name", "X/Y: a\r\n"),
                Arguments.of("underscore content-length", "content_length: 0\r\n"),
                Arguments.of("underscore Content-Length", "Content_Length: 0\r\n"),
                Arguments.of("underscore transfer-encoding", "transfer_encoding: chunked\r\n"),
                Arguments.of("second Host", "Host: b\r\n"),
                Arguments.of("second Host, same value", "Host: a\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedHeaderLines")
    void rejectsMalformedHeaderLinesWith400(String why, String line) {
        assertRejectedBeforeHead(get(line), 400);
    }

    @Test
    void rejectsObsoleteLineFoldingOfTheFirstFieldWith400() {
        assertRejectedBeforeHead("GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "a b",
                "a/b",
                "a@b",
                "a?b",
                "a#b",
                "a\\b",
                "a\"b",
                "a<b",
                "a{b}",
                "a|b",
                "[::1",
                "[::1]x",
                "[::1/128]",
                "a:80x",
                "a:b",
                "a:80:80",
                "caf\u00e9"
            })
    void rejectsAnInvalidHostValueWith400(String host) {
        assertRejectedBeforeHead("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n", 400);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "a",
                "example.com:8080",
                "EXAMPLE.com",
                "[::1]:80",
                "[fe80::1%25eth0]",
                "a:",
                "",
                "my_host.example",
                "10.0.0.1:1",
                "a-b~c!$&'()*+,;=%41"
            })
    void acceptsValidHostValues(String host) {
        assertThat(parse("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n"))
                .containsExactly(
                        "head GET / HTTP/1.1 len=0 {host: " + host + "}", "complete trailers=null");
    }

    @Test
    void rejectsHttp11WithoutHostWith400() {
        assertRejectedBeforeHead("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400);
    }

    // ---- request line -----------------------------------------------------------------------

    static Stream<Arguments> malformedRequestLines() {
        return Stream.of(
                Arguments.of("HTTP/0.9", "GET /", 400),
                Arguments.of("HTTP/0.9 with a header", "GET /\r\nHost: a", 400),
                Arguments.of("HTTP/2.0", "GET / HTTP/2.0", 505),
                Arguments.of("HTTP/1.2", "GET / HTTP/1.2", 505),
                Arguments.of("HTTP/0.9 spelled out", "GET / HTTP/0.9", 505),
                Arguments.of("HTTX/1.1", "GET / HTTX/1.1", 400),
                Arguments.of("lower-case http", "GET / http/1.1", 400),
                Arguments.of("two-digit minor", "GET / HTTP/1.10", 400),
                Arguments.of("no minor", "GET / HTTP/1", 400),
                Arguments.of("trailing space", "GET / HTTP/1.1 ", 400),
                Arguments.of("double space", "GET  / HTTP/1.1", 400),
                Arguments.of("leading space", " GET / HTTP/1.1", 400),
                Arguments.of("tab separator", "GET\t/ HTTP/1.1", 400),
                Arguments.of("space in the target", "GET /a b HTTP/1.1", 400),
                Arguments.of("NUL in the target", "GET /a\0b HTTP/1.1", 400),
                Arguments.of("bare CR in the target", "GET /a\rb HTTP/1.1", 400),
                Arguments.of("non-ASCII in the target", "GET /caf\u00e9 HTTP/1.1", 400),
                Arguments.of("invalid method", "G@T / HTTP/1.1", 400),
                Arguments.of("bare LF", "GET / HTTP/1.1\n", 400));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedRequestLines")
    void rejectsMalformedRequestLines(String why, String line, int status) {
        assertRejectedBeforeHead(line + "\r\nHost: a\r\n\r\n", status);
    }

    @Test
    void parsesExtensionMethodsAndAsteriskAndAbsoluteTargets() {
        assertThat(
                        parse(
                                "PURGE /x HTTP/1.1\r\nHost: a\r\n\r\nOPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"))
                .containsExactly(
                        "head PURGE /x HTTP/1.1 len=0 {host: a}",
                        "complete trailers=null",
                        "head OPTIONS * HTTP/1.1 len=0 {host: a}",
                        "complete trailers=null");
        assertThat(parse("GET http://b/x HTTP/1.1\r\nHost: a\r\n\r\n"))
                .first()
                .isEqualTo("head GET http://b/x HTTP/1.1 len=0 {host: a}");
    }

    @Test
    void aShortLineAfterLongerOnesShowsNoneOfTheirBytes() {
        // start lines and chunk-size lines are parsed from the same scratch array as header lines;
        // a short line read after longer ones must end where it ends
        String longTarget = "/" + "a".repeat(300);
        String raw =
                "GET "
                        + longTarget
                        + " HTTP/1.1\r\nHost: a\r\nX-Long: "
                        + "v".repeat(400)
                        + "\r\n\r\n"
                        + "GET /b HTTP/1.0\r\n\r\n"
                        + "PUT /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "3;e="
                        + "x".repeat(500)
                        + "\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assertThat(parse(raw))
                .containsExactly(
                        "head GET "
                                + longTarget
                                + " HTTP/1.1 len=0 {host: a, x-long: "
                                + "v".repeat(400)
                                + "}",
                        "complete trailers=null",
                        "head GET /b HTTP/1.0 len=0 {}",
                        "complete trailers=null",
                        "head PUT /c HTTP/1.1 len=-1 {host: a, transfer-encoding: chunked}",
                        "body=abcde",
                        "complete trailers={}");
    }

    @Test
    void aControlCharacterInAChunkExtensionAfterALongLineIsStillFound() {
        String raw =
                "POST / HTTP/1.1\r\nHost: a\r\nX-Long: "
                        + "v".repeat(400)
                        + "\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "1;e=\u0001\r\na\r\n0\r\n\r\n";
        assertThat(parse(raw)).last().isEqualTo("error 400 control character in chunk extension");
    }

    @Test
    void stopsAtTheFirstErrorAndIgnoresWhatFollows() {
        assertThat(parse("GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"))
                .containsExactly("error 400 missing host header");
    }
}
