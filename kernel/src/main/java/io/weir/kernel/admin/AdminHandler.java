package io.weir.kernel.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.weir.kernel.stats.Stats;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes one aggregated request to an endpoint and writes its reply. Shared by every admin
 * connection; runs on the admin event loop. Never lets an exception out: a failing endpoint answers
 * 500 and logs a warning.
 */
@Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);

    static final String TEXT = "text/plain; charset=utf-8";
    static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";
    static final String JSON = "application/json";

    /** What an endpoint answers; {@code after} runs once the response is written. */
    record Reply(
            HttpResponseStatus status,
            String contentType,
            String body,
            String allow,
            Runnable after,
            java.util.concurrent.CompletableFuture<Reply> pending) {
        Reply(
                HttpResponseStatus status,
                String contentType,
                String body,
                String allow,
                Runnable after) {
            this(status, contentType, body, allow, after, null);
        }

        static Reply of(HttpResponseStatus status, String contentType, String body) {
            return new Reply(status, contentType, body, null, null);
        }

        /** An answer that comes later (computed off the admin loop). */
        static Reply later(java.util.concurrent.CompletableFuture<Reply> pending) {
            return new Reply(HttpResponseStatus.OK, TEXT, "", null, null, pending);
        }

        static Reply text(HttpResponseStatus status, String body) {
            return of(status, TEXT, body);
        }

        static Reply ok() {
            return text(HttpResponseStatus.OK, "OK\n");
        }
    }

    record Endpoint(
            String path,
            HttpMethod method,
            String help,
            BiFunction<QueryStringDecoder, FullHttpRequest, Reply> fn) {}

    private final AdminContext ctx;
    private final Map<String, Endpoint> endpoints = new LinkedHashMap<>();
    private final String index;

    AdminHandler(AdminContext ctx) {
        this.ctx = ctx;
        get("/", "this list", q -> Reply.text(HttpResponseStatus.OK, index()));
        get("/ready", "200 LIVE when serving, else 503 and the state", q -> ready());
        get("/stats", "all stats, one line each (?format=prometheus, ?filter=REGEX)", this::stats);
        endpoints.put(
                "/stats/prometheus",
                new Endpoint(
                        "/stats/prometheus",
                        HttpMethod.GET,
                        "all stats in Prometheus text format 0.0.4 (OpenMetrics 1.0 if accepted)",
                        (q, req) -> prometheus(req)));
        get(
                "/config_dump",
                "the running configuration as JSON",
                q -> Reply.of(HttpResponseStatus.OK, JSON, ctx.configDumpJson()));
        get(
                "/clusters",
                "clusters and their hosts",
                q -> Reply.text(HttpResponseStatus.OK, ctx.clustersText()));
        get(
                "/listeners",
                "listeners, one a line: name::host:port",
                q -> Reply.text(HttpResponseStatus.OK, ctx.listenersText()));
        get(
                "/server_info",
                "version, state and uptime as JSON",
                q -> Reply.of(HttpResponseStatus.OK, JSON, ctx.serverInfoJson()));
        post(
                "/quitquitquit",
                "drain and exit",
                q -> new Reply(HttpResponseStatus.OK, TEXT, "OK\n", null, ctx::quitQuitQuit));
        post(
                "/drain_listeners",
                "stop accepting connections (?graceful lets open ones finish)",
                this::drainListeners);
        post(
                "/reopen_logs",
                "reopen access logs, after rotation",
                q -> {
                    ctx.reopenLogs();
                    return Reply.ok();
                });
        post("/logging", "set the log level (?level=debug)", this::logging);
        get(
                "/plugins",
                "loaded plugins, their filters and the last reload as JSON",
                q -> Reply.of(HttpResponseStatus.OK, JSON, ctx.pluginsJson()));
        post(
                "/config/reload",
                "reload the config file and plugins (400 and the errors when rejected)",
                q -> reloadReply(ctx.reloadConfig()));
        post(
                "/plugins/reload",
                "reload the plugin directories (and the config naming them)",
                q -> reloadReply(ctx.reloadPlugins()));
        this.index = renderIndex();
    }

    private void get(String path, String help, Function<QueryStringDecoder, Reply> fn) {
        endpoints.put(path, new Endpoint(path, HttpMethod.GET, help, (q, req) -> fn.apply(q)));
    }

    private void post(String path, String help, Function<QueryStringDecoder, Reply> fn) {
        endpoints.put(path, new Endpoint(path, HttpMethod.POST, help, (q, req) -> fn.apply(q)));
    }

    /** Prometheus text 0.0.4, or OpenMetrics 1.0 when the {@code accept} header prefers it. */
    private Reply prometheus(FullHttpRequest req) {
        if (Negotiation.prefersOpenMetrics(req.headers().getAll(HttpHeaderNames.ACCEPT))) {
            return Reply.of(
                    HttpResponseStatus.OK,
                    Stats.OPENMETRICS_CONTENT_TYPE,
                    ctx.stats().renderOpenMetrics());
        }
        return Reply.of(HttpResponseStatus.OK, PROMETHEUS, ctx.stats().renderPrometheus());
    }

    private String renderIndex() {
        int width = 0;
        for (Endpoint e : endpoints.values()) {
            width = Math.max(width, e.path().length());
        }
        StringBuilder sb = new StringBuilder("weir admin\n");
        for (Endpoint e : endpoints.values()) {
            sb.append("  ").append(pad(e.method().name(), 4)).append(' ');
            sb.append(pad(e.path(), width)).append("  ").append(e.help()).append('\n');
        }
        return sb.toString();
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }

    String index() {
        return index;
    }

    private Reply ready() {
        if (ctx.live()) {
            return Reply.text(HttpResponseStatus.OK, "LIVE\n");
        }
        return Reply.text(HttpResponseStatus.SERVICE_UNAVAILABLE, ctx.state() + "\n");
    }

    private Reply stats(QueryStringDecoder q) {
        String format = param(q, "format");
        if ("prometheus".equals(format)) {
            return Reply.of(HttpResponseStatus.OK, PROMETHEUS, ctx.stats().renderPrometheus());
        }
        if (format != null && !format.equals("text")) {
            return Reply.text(
                    HttpResponseStatus.BAD_REQUEST,
                    "unknown format: " + format + " (expected text or prometheus)\n");
        }
        String text = ctx.stats().renderText();
        String filter = param(q, "filter");
        if (filter == null || filter.isEmpty()) {
            return Reply.text(HttpResponseStatus.OK, text);
        }
        Pattern p;
        try {
            p = Pattern.compile(filter);
        } catch (PatternSyntaxException e) {
            return Reply.text(
                    HttpResponseStatus.BAD_REQUEST, "invalid filter: " + e.getDescription() + "\n");
        }
        StringBuilder sb = new StringBuilder();
        for (String line : text.split("\n")) {
            if (!line.isEmpty() && p.matcher(line).find()) {
                sb.append(line).append('\n');
            }
        }
        return Reply.text(HttpResponseStatus.OK, sb.toString());
    }

    private static Reply reloadReply(java.util.concurrent.CompletableFuture<String> f) {
        return Reply.later(
                f.handle(
                        (ok, err) -> {
                            if (err == null) {
                                return Reply.text(HttpResponseStatus.OK, ok + "\n");
                            }
                            Throwable t =
                                    err instanceof java.util.concurrent.CompletionException
                                                    && err.getCause() != null
                                            ? err.getCause()
                                            : err;
                            return Reply.text(
                                    HttpResponseStatus.BAD_REQUEST,
                                    "reload rejected, the old config keeps serving:\n"
                                            + t.getMessage()
                                            + "\n");
                        }));
    }

    private Reply drainListeners(QueryStringDecoder q) {
        List<String> values = q.parameters().get("graceful");
        boolean graceful =
                values != null
                        && !values.isEmpty()
                        && !values.get(0).equalsIgnoreCase("false")
                        && !values.get(0).equals("0");
        ctx.drainListeners(graceful);
        return Reply.ok();
    }

    private Reply logging(QueryStringDecoder q) {
        String level = param(q, "level");
        if (level == null || level.isEmpty()) {
            return Reply.text(HttpResponseStatus.BAD_REQUEST, "missing query parameter: level\n");
        }
        try {
            ctx.setLogLevel(level);
        } catch (IllegalArgumentException e) {
            return Reply.text(HttpResponseStatus.BAD_REQUEST, oneLine(e.getMessage()) + "\n");
        }
        return Reply.text(HttpResponseStatus.OK, "log level set to " + level + "\n");
    }

    private static String param(QueryStringDecoder q, String name) {
        List<String> values = q.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ch, FullHttpRequest req) {
        if (!req.decoderResult().isSuccess()) {
            write(ch, req, Reply.text(HttpResponseStatus.BAD_REQUEST, "bad request\n"), false);
            return;
        }
        Reply r = route(ch, req);
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (r.pending() != null) {
            FullHttpRequest held = req.retain();
            r.pending()
                    .whenComplete(
                            (done, err) ->
                                    ch.executor()
                                            .execute(
                                                    () -> {
                                                        try {
                                                            write(
                                                                    ch,
                                                                    held,
                                                                    done != null
                                                                            ? done
                                                                            : Reply.text(
                                                                                    HttpResponseStatus
                                                                                            .INTERNAL_SERVER_ERROR,
                                                                                    "error\n"),
                                                                    keepAlive);
                                                        } finally {
                                                            held.release();
                                                        }
                                                    }));
            return;
        }
        write(ch, req, r, keepAlive);
    }

    Reply route(ChannelHandlerContext ch, FullHttpRequest req) {
        QueryStringDecoder q;
        try {
            q = new QueryStringDecoder(req.uri());
        } catch (IllegalArgumentException e) {
            return Reply.text(HttpResponseStatus.BAD_REQUEST, "bad request uri\n");
        }
        String path = q.path();
        Endpoint ep = endpoints.get(path);
        if (ep == null) {
            return Reply.text(HttpResponseStatus.NOT_FOUND, "not found: " + path + "\n\n" + index);
        }
        HttpMethod m = req.method();
        boolean allowed =
                ep.method().equals(HttpMethod.GET)
                        ? m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD)
                        : m.equals(ep.method());
        if (!allowed) {
            return new Reply(
                    HttpResponseStatus.METHOD_NOT_ALLOWED,
                    TEXT,
                    "method " + m + " not allowed on " + path + ", use " + ep.method() + "\n",
                    ep.method().name(),
                    null);
        }
        if (ep.method().equals(HttpMethod.POST)) {
            log.info(
                    "admin request method=POST path={} remote={}",
                    path,
                    ch.channel().remoteAddress());
        }
        try {
            Reply r = ep.fn().apply(q, req);
            return r.body() == null
                    ? new Reply(r.status(), r.contentType(), "", r.allow(), r.after(), r.pending())
                    : r;
        } catch (Exception | AssertionError | LinkageError e) {
            log.warn("admin handler failed path={} error={}", path, oneLine(e.toString()), e);
            return Reply.text(
                    HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "error: " + oneLine(String.valueOf(e.getMessage())) + "\n");
        }
    }

    private static void write(
            ChannelHandlerContext ch, FullHttpRequest req, Reply reply, boolean keepAlive) {
        byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
        boolean head = req.method().equals(HttpMethod.HEAD);
        ByteBuf content = head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes);
        HttpVersion version =
                req.protocolVersion().equals(HttpVersion.HTTP_1_0)
                        ? HttpVersion.HTTP_1_0
                        : HttpVersion.HTTP_1_1;
        FullHttpResponse res = new DefaultFullHttpResponse(version, reply.status(), content);
        res.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, reply.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-cache, max-age=0")
                .set("x-content-type-options", "nosniff");
        if (reply.allow() != null) {
            res.headers().set(HttpHeaderNames.ALLOW, reply.allow());
        }
        HttpUtil.setKeepAlive(res, keepAlive);
        ChannelFuture f = ch.writeAndFlush(res);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
        Runnable after = reply.after();
        if (after != null) {
            f.addListener(
                    done -> {
                        try {
                            after.run();
                        } catch (Exception | AssertionError | LinkageError e) {
                            log.warn("admin action failed error={}", oneLine(e.toString()), e);
                        }
                    });
        }
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace('\r', ' ').replace('\n', ' ');
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ch, Throwable cause) {
        log.debug(
                "admin connection error remote={} error={}",
                ch.channel().remoteAddress(),
                cause.toString());
        ch.close();
    }
}
