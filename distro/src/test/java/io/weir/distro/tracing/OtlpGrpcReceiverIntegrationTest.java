package io.weir.distro.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.weir.kernel.testing.NettyLeakCheck;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link OtlpGrpcReceiver} itself, driven by a plain Netty HTTP/2 client: it takes a well-formed
 * export (also gzip-compressed), and refuses and records what is not one, so that the export tests'
 * "no rejections" checks can fail.
 */
@ExtendWith(NettyLeakCheck.class)
class OtlpGrpcReceiverIntegrationTest {
    static final String TRACE = TracingIntegrationTest.TRACE;

    /**
     * :status 200, an empty ExportTraceServiceResponse framed (flag 0, length 0), grpc-status 0.
     */
    static final String OK = "200 data=0000000000 grpc-status=0";

    static byte[] export() {
        Span span =
                Span.newBuilder()
                        .setTraceId(ByteString.copyFrom(HexFormat.of().parseHex(TRACE)))
                        .setSpanId(ByteString.copyFrom(HexFormat.of().parseHex("b7ad6b7169203331")))
                        .setName("GET")
                        .setKind(Span.SpanKind.SPAN_KIND_SERVER)
                        .build();
        return ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(
                        ResourceSpans.newBuilder()
                                .addScopeSpans(ScopeSpans.newBuilder().addSpans(span)))
                .build()
                .toByteArray();
    }

    static byte[] framed(int flag, byte[] message) {
        return ByteBuffer.allocate(5 + message.length)
                .put((byte) flag)
                .putInt(message.length)
                .put(message)
                .array();
    }

    static Http2Headers grpc(String path) {
        return new DefaultHttp2Headers()
                .method("POST")
                .scheme("http")
                .authority("127.0.0.1")
                .path(path)
                .set("content-type", "application/grpc")
                .set("te", "trailers");
    }

    static Http2Headers withoutTe() {
        Http2Headers h = grpc(OtlpGrpcReceiver.PATH);
        h.remove("te");
        return h;
    }

    static int port(OtlpGrpcReceiver receiver) {
        return Integer.parseInt(receiver.endpoint().substring("http://127.0.0.1:".length()));
    }

    /**
     * Sends one request on a new HTTP/2 (prior knowledge) connection; answers {@code :status}, the
     * response body in hex ({@code data=}) and {@code grpc-status} from the headers or trailers.
     */
    static String call(OtlpGrpcReceiver receiver, Http2Headers headers, byte[] body)
            throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel conn =
                    new Bootstrap()
                            .group(group)
                            .channel(NioSocketChannel.class)
                            .handler(
                                    new ChannelInitializer<SocketChannel>() {
                                        @Override
                                        protected void initChannel(SocketChannel ch) {
                                            ch.pipeline()
                                                    .addLast(
                                                            Http2FrameCodecBuilder.forClient()
                                                                    .build(),
                                                            new Http2MultiplexHandler(
                                                                    new ChannelInboundHandlerAdapter()));
                                        }
                                    })
                            .connect("127.0.0.1", port(receiver))
                            .sync()
                            .channel();
            CompletableFuture<String> answer = new CompletableFuture<>();
            StringBuilder got = new StringBuilder();
            Http2StreamChannel stream =
                    new Http2StreamChannelBootstrap(conn)
                            .handler(
                                    new ChannelInboundHandlerAdapter() {
                                        @Override
                                        public void channelRead(
                                                ChannelHandlerContext ctx, Object msg) {
                                            try {
                                                boolean end;
                                                if (msg instanceof Http2HeadersFrame h) {
                                                    if (h.headers().status() != null) {
                                                        got.append(h.headers().status());
                                                    }
                                                    CharSequence g = h.headers().get("grpc-status");
                                                    if (g != null) {
                                                        got.append(" grpc-status=").append(g);
                                                    }
                                                    end = h.isEndStream();
                                                } else if (msg instanceof Http2DataFrame d) {
                                                    got.append(" data=")
                                                            .append(
                                                                    ByteBufUtil.hexDump(
                                                                            d.content()));
                                                    end = d.isEndStream();
                                                } else {
                                                    end = false;
                                                }
                                                if (end) {
                                                    answer.complete(got.toString());
                                                }
                                            } finally {
                                                ReferenceCountUtil.release(msg);
                                            }
                                        }
                                    })
                            .open()
                            .sync()
                            .getNow();
            stream.write(new DefaultHttp2HeadersFrame(headers, false));
            ByteBuf content = Unpooled.wrappedBuffer(body);
            stream.writeAndFlush(new DefaultHttp2DataFrame(content, true));
            String result = answer.get(5, TimeUnit.SECONDS);
            conn.close().sync();
            return result;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void takesAWellFormedExportAndAGzipCompressedOne() throws Exception {
        try (OtlpGrpcReceiver receiver = new OtlpGrpcReceiver()) {
            assertThat(call(receiver, grpc(OtlpGrpcReceiver.PATH), framed(0, export())))
                    .isEqualTo(OK);
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
                out.write(export());
            }
            assertThat(
                            call(
                                    receiver,
                                    grpc(OtlpGrpcReceiver.PATH).set("grpc-encoding", "gzip"),
                                    framed(1, gz.toByteArray())))
                    .isEqualTo(OK);
            assertThat(receiver.awaitTrace(TRACE, 2)).hasSize(2);
            assertThat(receiver.rejections()).isEmpty();
            assertThat(receiver.calls())
                    .extracting(OtlpGrpcReceiver.Call::grpcEncoding)
                    .containsExactly(null, "gzip");
        }
    }

    @Test
    void refusesAndRecordsWhatIsNotAWellFormedGrpcExport() throws Exception {
        try (OtlpGrpcReceiver receiver = new OtlpGrpcReceiver()) {
            byte[] ok = framed(0, export());
            assertThat(
                            call(
                                    receiver,
                                    grpc(OtlpGrpcReceiver.PATH)
                                            .set("content-type", "application/x-protobuf"),
                                    ok))
                    .isEqualTo("415");
            assertThat(call(receiver, grpc(OtlpGrpcReceiver.PATH).method("PUT"), ok))
                    .isEqualTo("405");
            assertThat(call(receiver, grpc("/v1/traces"), ok)).isEqualTo("200 grpc-status=12");
            assertThat(call(receiver, withoutTe(), ok)).isEqualTo("200 grpc-status=13");
            assertThat(call(receiver, grpc(OtlpGrpcReceiver.PATH), new byte[] {0, 0, 0}))
                    .isEqualTo("200 grpc-status=13");
            assertThat(call(receiver, grpc(OtlpGrpcReceiver.PATH), export())) // unframed
                    .isEqualTo("200 grpc-status=13");
            assertThat(call(receiver, grpc(OtlpGrpcReceiver.PATH), framed(1, export())))
                    .isEqualTo("200 grpc-status=13"); // compressed flag, no grpc-encoding
            assertThat(receiver.rejections())
                    .hasSize(7)
                    .anySatisfy(
                            r -> assertThat(r).startsWith("content-type is not application/grpc"))
                    .anySatisfy(r -> assertThat(r).startsWith("method is not POST"))
                    .anySatisfy(r -> assertThat(r).startsWith("unknown method path"))
                    .anySatisfy(r -> assertThat(r).startsWith("te is not trailers"))
                    .anySatisfy(r -> assertThat(r).startsWith("truncated message prefix"))
                    .anySatisfy(r -> assertThat(r).startsWith("compressed message without"));
            assertThat(receiver.all()).isEmpty();

            // not HTTP/2 at all: an HTTP/1.1 request fails the connection preface
            try (Socket s = new Socket("127.0.0.1", port(receiver))) {
                OutputStream out = s.getOutputStream();
                out.write(
                        "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
                                .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                in.readAllBytes(); // a GOAWAY, then the receiver closes
            }
            assertThat(receiver.awaitRejections(8).get(7)).startsWith("connection error:");
        }
    }
}
