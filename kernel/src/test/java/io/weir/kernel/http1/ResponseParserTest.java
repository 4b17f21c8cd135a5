package io.weir.kernel.http1;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.weir.kernel.http1.ParserFeed.Events;
import io.weir.kernel.http1.ParserFeed.Split;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ResponseParserTest {

    /** Records what the parser reports; body buffers are copied and released. */
    private static final class Recorder implements ResponseParser.Listener {
        final Events events = new Events();

        @Override
        public void onResponseHead(ResponseHead head, Http1Parser.Framing framing, long length) {
            events.add(
                    "head "
                            + head.status
                            + " "
                            + head.reason
                            + " "
                            + framing
                            + " len="
                            + length
                            + " "
                            + head.headers);
        }

        @Override
        public void onResponseBody(ByteBuf data) {
            events.body(data);
        }

        @Override
        public void onResponseComplete(HeaderMap trailers) {
            events.add("complete trailers=" + trailers);
        }

        @Override
        public void onResponseError(int status, String reason) {
            events.add("error " + status + " " + reason);
        }
    }

    private static List<String> parse(String raw, Split split, boolean head, boolean close) {
        Recorder r = new Recorder();
        ResponseParser p = new ResponseParser(60 * 1024, 100, r);
        p.expectResponseTo(head);
        ParserFeed.feed(p, raw, split, close);
        return r.events.list;
    }

    /** Parses in one buffer and checks that every other way of cutting it gives the same. */
    private static List<String> parse(String raw, boolean head, boolean close) {
        List<String> whole = parse(raw, Split.WHOLE, head, close);
        for (Split s : ParserFeed.splits()) {
            assertThat(parse(raw, s, head, close)).as("events with split %s", s).isEqualTo(whole);
        }
        return whole;
    }

    private static List<String> parse(String raw) {
        return parse(raw, false, false);
    }

    @Test
    void parsesContentLengthResponse() {
        assertThat(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"))
                .containsExactly(
                        "head 200 OK CONTENT_LENGTH len=5 {content-length: 5}",
                        "body=hello",
                        "complete trailers=null");
    }

    @Test
    void parsesChunkedResponseWithTrailers() {
        assertThat(
                        parse(
                                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        + "3\r\nabc\r\n1;x=y\r\nd\r\n0\r\nGrpc-Status: 0\r\n\r\n"))
                .containsExactly(
                        "head 200 OK CHUNKED len=-1 {transfer-encoding: chunked}",
                        "body=abcd",
                        "complete trailers={grpc-status: 0}");
    }

    @Test
    void readsABodyWithoutFramingUntilClose() {
        assertThat(parse("HTTP/1.0 200 OK\r\nX: y\r\n\r\nall of it", false, true))
                .containsExactly(
                        "head 200 OK UNTIL_CLOSE len=-1 {x: y}",
                        "body=all of it",
                        "complete trailers=null");
    }

    @Test
    void parsesStatusLinesWithEmptyOrMissingReason() {
        assertThat(parse("HTTP/1.1 204\r\n\r\nHTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n"))
                .containsExactly(
                        "head 204  NONE len=0 {}",
                        "complete trailers=null",
                        "head 200  NONE len=0 {content-length: 0}",
                        "complete trailers=null");
    }

    @Test
    void reasonPhrasesEndWhereTheirLineEnds() {
        assertThat(
                        parse(
                                "HTTP/1.1 404 "
                                        + "n".repeat(300)
                                        + "\r\nContent-Length: 0\r\n\r\n"
                                        + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                                        + "HTTP/1.0 200 OKAY\r\nContent-Length: 0\r\n\r\n"
                                        + "HTTP/1.1 503 O\r\nContent-Length: 0\r\n\r\n"))
                .containsExactly(
                        "head 404 " + "n".repeat(300) + " NONE len=0 {content-length: 0}",
                        "complete trailers=null",
                        "head 200 OK NONE len=0 {content-length: 0}",
                        "complete trailers=null",
                        "head 200 OKAY NONE len=0 {content-length: 0}",
                        "complete trailers=null",
                        "head 503 O NONE len=0 {content-length: 0}",
                        "complete trailers=null");
    }

    @Test
    void skipsInformationalResponses() {
        assertThat(
                        parse(
                                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                                        + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
                .containsExactly(
                        "head 200 OK CONTENT_LENGTH len=2 {content-length: 2}",
                        "body=ok",
                        "complete trailers=null");
    }

    @Test
    void rejectsSwitchingProtocolsWith502() {
        assertThat(parse("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n"))
                .containsExactly("error 502 unexpected 101 switching protocols");
    }

    @Test
    void readsNoBodyForHeadRequestsWhateverTheHeadersSay() {
        assertThat(parse("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n", true, false))
                .containsExactly(
                        "head 200 OK NONE len=42 {content-length: 42}", "complete trailers=null");
        assertThat(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true, false))
                .containsExactly(
                        "head 200 OK NONE len=0 {transfer-encoding: chunked}",
                        "complete trailers=null");
    }

    @Test
    void readsNoBodyFor204And304() {
        assertThat(
                        parse(
                                "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"
                                        + "HTTP/1.1 204 No Content\r\n\r\n"))
                .containsExactly(
                        "head 304 Not Modified NONE len=0 {content-length: 10}",
                        "complete trailers=null",
                        "head 204 No Content NONE len=0 {}",
                        "complete trailers=null");
    }

    @Test
    void rejectsBothContentLengthAndTransferEncodingWith502() {
        assertThat(
                        parse(
                                "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        + "0\r\n\r\n"))
                .containsExactly("error 502 both content-length and transfer-encoding");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip, chunked", "identity", "gzip"})
    void rejectsTransferEncodingOtherThanChunkedWith502(String te) {
        List<String> events = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: " + te + "\r\n\r\n");
        assertThat(events).singleElement().asString().startsWith("error 502 ");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "HTTP/1.1 2000 OK",
                "HTTP/1.1 20 OK",
                "HTTP/1.1 099 Low",
                "HTTP/1.1 600 High",
                "HTTP/1.1 2x0 OK",
                "HTTP/1.1 200OK",
                "HTTP/2.0 200 OK",
                "HTTP/1.x 200 OK",
                "HTTP/1.1  200 OK",
                "HTTX/1.1 200 OK",
                "ICY 200 OK"
            })
    void rejectsMalformedStatusLinesWith502(String line) {
        assertThat(parse(line + "\r\nContent-Length: 0\r\n\r\n"))
                .singleElement()
                .asString()
                .startsWith("error 502 ");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Content-Length: 1, 1\r\n",
                "Content-Length: 1\r\nContent-Length: 1\r\n",
                "Content-Length: -1\r\n",
                "X: a\nY: b\r\n",
                "X : a\r\n",
                "X: a\r\n b\r\n",
                "X: a\0\r\n"
            })
    void reportsMalformedHeaderSectionsAsProtocolErrors(String fields) {
        List<String> events = parse("HTTP/1.1 200 OK\r\n" + fields + "\r\nx");
        assertThat(events).hasSize(1);
        assertThat(events.get(0)).matches("error [1-9][0-9]{2} .*");
    }

    @Test
    void reportsATruncatedResponseWithStatusZero() {
        assertThat(parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", false, true))
                .containsExactly(
                        "head 200 OK CONTENT_LENGTH len=10 {content-length: 10}",
                        "body=abc",
                        "error 0 connection closed before the message was complete");
        assertThat(
                        parse(
                                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
                                false,
                                true))
                .containsExactly(
                        "head 200 OK CHUNKED len=-1 {transfer-encoding: chunked}",
                        "body=ab",
                        "error 0 connection closed before the message was complete");
    }
}
