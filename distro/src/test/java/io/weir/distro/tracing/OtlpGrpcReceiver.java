package io.weir.distro.tracing;

import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.weir.distro.tracing.ReceivedSpans.Received;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/gRPC trace receiver: a gRPC server for {@code
 * opentelemetry.proto.collector.trace.v1.TraceService/Export} on Netty's HTTP/2 codec, cleartext
 * with prior knowledge on {@code 127.0.0.1:0}.
 *
 * <p>Per gRPC over HTTP/2: a request is {@code POST} to {@link #PATH} with {@code content-type:
 * application/grpc[+proto]} and {@code te: trailers}; its body is exactly one length-prefixed
 * message (1-byte compressed flag, 4-byte big-endian length, message; flag 1 needs {@code
 * grpc-encoding: gzip}). The answer is {@code :status 200}, {@code content-type: application/grpc},
 * an empty {@code ExportTraceServiceResponse} framed the same way, then trailers {@code
 * grpc-status: 0}. Every request is recorded as a {@link Call}; one that is not a well-formed gRPC
 * export is also recorded in {@link #rejections()} and refused (415, 405, or a trailers-only {@code
 * grpc-status} 12 or 13), as are HTTP/2 connection errors (an HTTP/1.1 client, say).
 *
 * <p>Modes for failure tests: {@link #unavailable()} answers every well-formed export with a
 * trailers-only {@code grpc-status: 14} (UNAVAILABLE) and keeps no spans; {@link #silent()} reads
 * the request and never answers (until closed). Threading: one Netty event loop; the records are
 * read from the test thread under this object's monitor.
 */
final class OtlpGrpcReceiver implements AutoCloseable {
    static final String PATH = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

    /** The request headers of one call, as received, and how many gRPC messages its body had. */
    record Call(
            String method,
            String path,
            String contentType,
            String te,
            String grpcEncoding,
            int messages) {}

    private enum Mode {
        OK,
        UNAVAILABLE,
        SILENT
    }

    private final ReceivedSpans spans = new ReceivedSpans();
    private final List<Call> calls = new ArrayList<>();
    private final List<String> rejections = new ArrayList<>();
    private final EventLoopGroup group =
            new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private volatile Mode mode = Mode.OK;

    OtlpGrpcReceiver() throws InterruptedException {
        server =
                new ServerBootstrap()
                        .group(group)
                        .channel(NioServerSocketChannel.class)
                        .childHandler(
                                new ChannelInitializer<SocketChannel>() {
                                    @Override
                                    protected void initChannel(SocketChannel ch) {
                                        ch.pipeline()
                                                .addLast(
                                                        Http2FrameCodecBuilder.forServer().build(),
                                                        new Http2MultiplexHandler(
                                                                new ChannelInitializer<
                                                                        Http2StreamChannel>() {
                                                                    @Override
                                                                    protected void initChannel(
                                                                            Http2StreamChannel s) {
                                                                        s.pipeline()
                                                                                .addLast(
                                                                                        new Exchange());
                                                                    }
                                                                }),
                                                        new ConnectionErrors());
                                    }
                                })
                        .bind("127.0.0.1", 0)
                        .sync()
                        .channel();
    }

    /** Answers every export with {@code grpc-status: 14} (UNAVAILABLE). */
    OtlpGrpcReceiver unavailable() {
        mode = Mode.UNAVAILABLE;
        return this;
    }

    /** Reads every export and never answers. */
    OtlpGrpcReceiver silent() {
        mode = Mode.SILENT;
        return this;
    }

    /** The endpoint for {@code tracing.exporter.otlp} with {@code protocol: grpc}. */
    String endpoint() {
        return "http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
    }

    List<Received> awaitTrace(String traceId, int n) throws InterruptedException {
        return spans.awaitTrace(traceId, n);
    }

    List<Received> all() {
        return spans.all();
    }

    synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    /** What was refused as not a well-formed gRPC export, and why; empty when all was well. */
    synchronized List<String> rejections() {
        return List.copyOf(rejections);
    }

    /** The calls once there are at least {@code n} (waits up to 10 s). */
    synchronized List<Call> awaitCalls(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long left;
        while (calls.size() < n && (left = deadline - System.nanoTime()) > 0) {
            wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
        if (calls.size() < n) {
            throw new AssertionError("got " + calls.size() + " calls, wanted " + n + ": " + calls);
        }
        return List.copyOf(calls);
    }

    /** The rejections once there are at least {@code n} (waits up to 10 s). */
    synchronized List<String> awaitRejections(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long left;
        while (rejections.size() < n && (left = deadline - System.nanoTime()) > 0) {
            wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
        if (rejections.size() < n) {
            throw new AssertionError(
                    "got " + rejections.size() + " rejections, wanted " + n + ": " + rejections);
        }
        return List.copyOf(rejections);
    }

    private synchronized void record(Call call, String rejection) {
        calls.add(call);
        if (rejection != null) {
            rejections.add(rejection + " " + call);
        }
        notifyAll();
    }

    private synchronized void reject(String why) {
        rejections.add(why);
        notifyAll();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Connection-level errors the HTTP/2 codec reports: not HTTP/2 at all, or broken framing. */
    private final class ConnectionErrors extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            reject("connection error: " + cause.getMessage());
            ctx.close();
        }
    }

    /** One HTTP/2 stream: the request's headers and body, then the answer. */
    private final class Exchange extends ChannelInboundHandlerAdapter {
        private Http2Headers headers;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                boolean end;
                if (msg instanceof Http2HeadersFrame h) {
                    if (headers == null) {
                        headers = h.headers();
                    } // else the request's trailers: gRPC clients send none, nothing to keep
                    end = h.isEndStream();
                } else if (msg instanceof Http2DataFrame d) {
                    ByteBuf b = d.content();
                    b.readBytes(body, b.readableBytes());
                    end = d.isEndStream();
                } else {
                    return;
                }
                if (end) {
                    answer(ctx);
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void answer(ChannelHandlerContext ctx) {
            String contentType = text(headers.get("content-type"));
            String encoding = text(headers.get("grpc-encoding"));
            List<byte[]> messages = new ArrayList<>();
            String malformed = unframe(body.toByteArray(), encoding, messages);
            Call call =
                    new Call(
                            text(headers.method()),
                            text(headers.path()),
                            contentType,
                            text(headers.get("te")),
                            encoding,
                            messages.size());
            ExportTraceServiceRequest request = null;
            if (malformed == null && messages.size() != 1) {
                malformed = "a unary call needs exactly one message, got " + messages.size();
            }
            if (malformed == null) {
                try {
                    request = ExportTraceServiceRequest.parseFrom(messages.get(0));
                } catch (InvalidProtocolBufferException e) {
                    malformed = "not an ExportTraceServiceRequest: " + e.getMessage();
                }
            }
            if (!"POST".equals(call.method())) {
                record(call, "method is not POST:");
                ctx.writeAndFlush(new DefaultHttp2HeadersFrame(status("405"), true));
            } else if (contentType == null
                    || !(contentType.equals("application/grpc")
                            || contentType.startsWith("application/grpc+")
                            || contentType.startsWith("application/grpc;"))) {
                record(call, "content-type is not application/grpc:");
                ctx.writeAndFlush(new DefaultHttp2HeadersFrame(status("415"), true));
            } else if (!PATH.equals(call.path())) {
                record(call, "unknown method path:");
                trailersOnly(ctx, 12, "unknown method " + call.path());
            } else if (!"trailers".equals(call.te())) {
                record(call, "te is not trailers:");
                trailersOnly(ctx, 13, "te: trailers is required");
            } else if (malformed != null) {
                record(call, malformed + ":");
                trailersOnly(ctx, 13, malformed);
            } else {
                record(call, null);
                switch (mode) {
                    case OK -> {
                        spans.add(request);
                        ok(ctx);
                    }
                    case UNAVAILABLE -> trailersOnly(ctx, 14, "receiver unavailable");
                    case SILENT -> {} // holds the stream open until the client gives up
                }
            }
        }

        /** Splits a gRPC body into its messages, or says why it is malformed. */
        private String unframe(byte[] bytes, String encoding, List<byte[]> out) {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            while (in.hasRemaining()) {
                if (in.remaining() < 5) {
                    return "truncated message prefix (" + in.remaining() + " bytes)";
                }
                int flag = in.get();
                int length = in.getInt();
                if (length < 0 || length > in.remaining()) {
                    return "message length " + length + " exceeds the body";
                }
                byte[] message = new byte[length];
                in.get(message);
                if (flag == 1) {
                    if (!"gzip".equals(encoding)) {
                        return "compressed message without grpc-encoding: gzip (was "
                                + encoding
                                + ")";
                    }
                    try (GZIPInputStream gz =
                            new GZIPInputStream(new ByteArrayInputStream(message))) {
                        message = gz.readAllBytes();
                    } catch (IOException e) {
                        return "bad gzip message: " + e.getMessage();
                    }
                } else if (flag != 0) {
                    return "compressed flag " + flag;
                }
                out.add(message);
            }
            return null;
        }

        private void ok(ChannelHandlerContext ctx) {
            byte[] response = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            ByteBuf framed =
                    ctx.alloc()
                            .buffer(5 + response.length)
                            .writeByte(0)
                            .writeInt(response.length)
                            .writeBytes(response);
            ctx.write(
                    new DefaultHttp2HeadersFrame(
                            status("200").set("content-type", "application/grpc")));
            ctx.write(new DefaultHttp2DataFrame(framed));
            ctx.writeAndFlush(
                    new DefaultHttp2HeadersFrame(
                            new DefaultHttp2Headers().set("grpc-status", "0"), true));
        }

        private void trailersOnly(ChannelHandlerContext ctx, int grpcStatus, String message) {
            ctx.writeAndFlush(
                    new DefaultHttp2HeadersFrame(
                            status("200")
                                    .set("content-type", "application/grpc")
                                    .set("grpc-status", Integer.toString(grpcStatus))
                                    .set("grpc-message", message),
                            true));
        }

        private static Http2Headers status(String status) {
            return new DefaultHttp2Headers().status(status);
        }

        private static String text(CharSequence s) {
            return s == null ? null : s.toString();
        }
    }
}
