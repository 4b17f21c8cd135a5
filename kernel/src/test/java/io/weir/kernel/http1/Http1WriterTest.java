package io.weir.kernel.http1;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.weir.kernel.http1.ParserFeed.Events;
import io.weir.kernel.http1.ParserFeed.Split;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Http1WriterTest {
    private static final UnpooledByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    /** The buffer's bytes as text; releases it. */
    private static String text(ByteBuf b) {
        try {
            return b.toString(StandardCharsets.ISO_8859_1);
        } finally {
            b.release();
        }
    }

    @Test
    void writesARequestHeadAsHttp11() {
        HeaderMap h = new HeaderMap();
        h.add("host", "a");
        h.add("x-v", "caf\u00e9");
        assertThat(text(Http1Writer.requestHead(ALLOC, "POST", "/p?q=1", h)))
                .isEqualTo("POST /p?q=1 HTTP/1.1\r\nhost: a\r\nx-v: caf\u00e9\r\n\r\n");
    }

    @Test
    void writesAResponseHeadWithAThreeDigitStatus() {
        HeaderMap h = new HeaderMap();
        h.add("content-length", "0");
        assertThat(text(Http1Writer.responseHead(ALLOC, 204, "No Content", h)))
                .isEqualTo("HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n");
        assertThat(text(Http1Writer.responseHead(ALLOC, 200, "", new HeaderMap())))
                .isEqualTo("HTTP/1.1 200 \r\n\r\n");
    }

    @Test
    void writesChunkFramingInLowerCaseHex() {
        assertThat(text(Http1Writer.chunkHeader(ALLOC, 1))).isEqualTo("1\r\n");
        assertThat(text(Http1Writer.chunkHeader(ALLOC, 0xabcdef))).isEqualTo("abcdef\r\n");
        assertThat(text(Http1Writer.chunkTrailer())).isEqualTo("\r\n");
        assertThat(text(Http1Writer.lastChunk(ALLOC, null))).isEqualTo("0\r\n\r\n");
        assertThat(text(Http1Writer.lastChunk(ALLOC, new HeaderMap()))).isEqualTo("0\r\n\r\n");
        HeaderMap t = new HeaderMap();
        t.add("x-sum", "1");
        assertThat(text(Http1Writer.lastChunk(ALLOC, t))).isEqualTo("0\r\nx-sum: 1\r\n\r\n");
    }

    @Test
    void sharedFramingBuffersSurviveBeingReleasedByTheirUsers() {
        for (int i = 0; i < 3; i++) {
            assertThat(text(Http1Writer.chunkTrailer())).isEqualTo("\r\n");
            assertThat(text(Http1Writer.lastChunk(ALLOC, null))).isEqualTo("0\r\n\r\n");
        }
    }

    @Test
    void whatItWritesParsesBackToTheSameRequest() {
        HeaderMap h = new HeaderMap();
        h.add("host", "a");
        h.add("transfer-encoding", "chunked");
        HeaderMap t = new HeaderMap();
        t.add("x-sum", "9");
        String wire =
                text(Http1Writer.requestHead(ALLOC, "PUT", "/x", h))
                        + text(Http1Writer.chunkHeader(ALLOC, 5))
                        + "hello"
                        + text(Http1Writer.chunkTrailer())
                        + text(Http1Writer.lastChunk(ALLOC, t));
        Events events = new Events();
        RequestParser p =
                new RequestParser(
                        8192,
                        100,
                        new RequestParser.Listener() {
                            @Override
                            public void onRequestHead(RequestHead head, long bodyLength) {
                                events.add(head.method + " " + head.target + " " + head.headers);
                            }

                            @Override
                            public void onRequestBody(ByteBuf data) {
                                events.body(data);
                            }

                            @Override
                            public void onRequestComplete(HeaderMap trailers) {
                                events.add("complete " + trailers);
                            }

                            @Override
                            public void onRequestError(int status, String reason) {
                                events.add("error " + status);
                            }
                        });
        ParserFeed.feed(p, wire, Split.BYTE_BY_BYTE, false);
        assertThat(events.list)
                .containsExactly(
                        "PUT /x {host: a, transfer-encoding: chunked}",
                        "body=hello",
                        "complete {x-sum: 9}");
    }
}
