package io.weir.filters.ratelimit;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small RESP2 client for one Redis address on JDK NIO: one connection, one daemon thread of its
 * own ({@code weir-redis-<address>}) running a selector. Requests from any thread are queued,
 * written in order (pipelined) and answered in order (replies matched first in, first out).
 *
 * <p>Failures never wait: when the connection is refused, fails or is closed, every request in
 * flight fails at once with {@link #CONNECT}, and the client reconnects by itself after a backoff
 * of 100 ms doubling to 5 s (reset once a connection completes its handshake). While it waits,
 * {@link #down()} is true and new requests fail at once. A connect attempt gives up after {@link
 * #CONNECT_TIMEOUT}. A connection whose oldest request has waited longer than twice its caller's
 * timeout, and at least {@link #STALL_MIN}, is considered stalled: closed and opened again.
 *
 * <p>Each new connection first pipelines {@code AUTH} (when a password is set; an error reply
 * closes the connection) and a {@code SCRIPT LOAD} of each {@link Script}.
 *
 * <p>Not Lettuce or Jedis: Lettuce brings Netty 4.1, which Weir (Netty 4.2) must not mix, and Jedis
 * blocks. Filters may not use the kernel's event loops, hence a thread of its own.
 */
final class RedisClient implements ScriptRunner, AutoCloseable {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
    static final long BACKOFF_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long BACKOFF_MAX_NANOS = TimeUnit.SECONDS.toNanos(5);
    static final Duration STALL_MIN = Duration.ofSeconds(2);

    /** Requests queued or in flight beyond which new ones fail at once with {@link #ERROR}. */
    static final int MAX_OUTSTANDING = 65_536;

    private static final Logger LOG = System.getLogger("weir.filter.weir.ratelimit.redis");

    private enum State {
        CONNECTING,
        READY,
        DOWN
    }

    private final RedisTarget target;
    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Request> submitted = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeupSent = new AtomicBoolean();
    private final AtomicInteger outstanding = new AtomicInteger();
    private volatile boolean down;
    private volatile boolean closed;

    // the loop thread's own
    private State state = State.DOWN;
    private SocketChannel channel;
    private SelectionKey key;
    private Resp.Decoder decoder;
    private final ArrayDeque<Request> inflight = new ArrayDeque<>();
    private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
    private final ByteBuffer readBuf = ByteBuffer.allocate(16 << 10);
    private long deadline;
    private long backoff = BACKOFF_MIN_NANOS;
    private int handshakeLeft;
    private boolean outageLogged;
    private boolean everUp;

    /** One request: its encoded bytes and who waits for the reply. */
    private static final class Request {
        final byte[] bytes;
        final Callback callback;
        final long stallNanos;
        final boolean counted;
        long sentAt;

        Request(byte[] bytes, Callback callback, long stallNanos, boolean counted) {
            this.bytes = bytes;
            this.callback = callback;
            this.stallNanos = stallNanos;
            this.counted = counted;
        }
    }

    /** A client for {@code target}; {@link #start()} starts its thread, which connects. */
    RedisClient(RedisTarget target) {
        this.target = target;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot open a selector", e);
        }
        this.thread = new Thread(this::run, "weir-redis-" + target.address());
        thread.setDaemon(true);
    }

    RedisClient start() {
        thread.start();
        return this;
    }

    RedisTarget target() {
        return target;
    }

    /** The client's thread (tests join it after {@link #close()}). */
    Thread thread() {
        return thread;
    }

    @Override
    public boolean down() {
        return down || closed;
    }

    @Override
    public void evalsha(
            Script script, String key, List<String> args, Duration timeout, Callback callback) {
        String[] cmd = new String[4 + args.size()];
        cmd[0] = "EVALSHA";
        cmd[1] = script.sha1();
        cmd[2] = "1";
        cmd[3] = key;
        for (int i = 0; i < args.size(); i++) {
            cmd[4 + i] = args.get(i);
        }
        byte[] bytes = Resp.command(cmd);
        long stall = Math.max(STALL_MIN.toNanos(), 2 * timeout.toNanos());
        submit(bytes, stall, new NoScriptRetry(script, bytes, stall, callback));
    }

    /** Sends any command; {@code callback} as for {@link #evalsha}. Any thread. */
    void command(List<String> args, Callback callback) {
        submit(Resp.command(args.toArray(String[]::new)), STALL_MIN.toNanos(), callback);
    }

    private void submit(byte[] bytes, long stallNanos, Callback callback) {
        if (closed) {
            callback.onFailure(CONNECT, "client closed");
            return;
        }
        if (outstanding.incrementAndGet() > MAX_OUTSTANDING) {
            outstanding.decrementAndGet();
            callback.onFailure(ERROR, "more than " + MAX_OUTSTANDING + " requests waiting");
            return;
        }
        Request q = new Request(bytes, callback, stallNanos, true);
        submitted.add(q);
        if (closed && submitted.remove(q)) {
            fail(q, CONNECT, "client closed");
            return;
        }
        if (wakeupSent.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    /** Stops the thread and closes the connection; requests not answered fail. Any thread. */
    @Override
    public void close() {
        closed = true;
        selector.wakeup();
    }

    /** On NOSCRIPT: SCRIPT LOAD, then the same EVALSHA once more, pipelined. Loop thread. */
    private final class NoScriptRetry implements Callback {
        private final Script script;
        private final byte[] bytes;
        private final long stall;
        private final Callback callback;

        NoScriptRetry(Script script, byte[] bytes, long stall, Callback callback) {
            this.script = script;
            this.bytes = bytes;
            this.stall = stall;
            this.callback = callback;
        }

        @Override
        public void onReply(Reply reply) {
            if (reply instanceof Reply.Error e && e.code().equals("NOSCRIPT")) {
                debug("redis script missing, loading it script=" + script);
                enqueue(new Request(scriptLoad(script), IGNORE, stall, false));
                outstanding.incrementAndGet();
                enqueue(new Request(bytes, callback, stall, true));
                return;
            }
            callback.onReply(reply);
        }

        @Override
        public void onFailure(String reason, String detail) {
            callback.onFailure(reason, detail);
        }
    }

    private static final Callback IGNORE =
            new Callback() {
                @Override
                public void onReply(Reply reply) {}

                @Override
                public void onFailure(String reason, String detail) {}
            };

    private static byte[] scriptLoad(Script s) {
        return Resp.command("SCRIPT", "LOAD", s.source());
    }

    private void run() {
        try {
            connect(System.nanoTime());
            while (!closed) {
                long wait = waitMillis(System.nanoTime());
                if (wait < 0) {
                    selector.selectNow();
                } else {
                    selector.select(wait);
                }
                wakeupSent.set(false);
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    if (k == key && k.isValid()) {
                        ready(k);
                    }
                }
                drainSubmitted();
                flush();
                timers(System.nanoTime());
            }
        } catch (Throwable t) {
            LOG.log(Level.ERROR, "redis client thread failed address=" + target.address(), t);
        } finally {
            shutdown();
        }
    }

    /** Milliseconds until the next deadline; 0 = none (wait for a wake-up); -1 = due now. */
    private long waitMillis(long now) {
        long due;
        if (state == State.READY) {
            Request head = inflight.peek();
            if (head == null) {
                return 0;
            }
            due = head.sentAt + head.stallNanos;
        } else {
            due = deadline;
        }
        long left = due - now;
        return left <= 0 ? -1 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + 999_999));
    }

    private void ready(SelectionKey k) {
        SocketChannel ch = channel;
        if (k.isConnectable()) {
            try {
                if (!ch.finishConnect()) {
                    return;
                }
            } catch (IOException e) {
                lost(CONNECT, "connect failed: " + e.getMessage());
                return;
            }
            connected();
        }
        if (channel == ch && k.isValid() && k.isReadable()) {
            read(ch);
        }
        if (channel == ch && k.isValid() && k.isWritable()) {
            flush();
        }
    }

    private void connect(long now) {
        state = State.CONNECTING;
        down = false;
        deadline = now + CONNECT_TIMEOUT.toNanos();
        decoder = new Resp.Decoder();
        try {
            InetSocketAddress addr = new InetSocketAddress(target.host(), target.port());
            if (addr.isUnresolved()) {
                throw new IOException("cannot resolve " + target.host());
            }
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            boolean done = channel.connect(addr);
            key = channel.register(selector, done ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT);
            handshake();
            if (done) {
                connected();
            }
        } catch (IOException | RuntimeException e) {
            lost(CONNECT, "connect failed: " + e.getMessage());
        }
    }

    /** AUTH and SCRIPT LOADs, ahead of everything else on a new connection. */
    private void handshake() {
        handshakeLeft = Script.ALL.size() + (target.password() == null ? 0 : 1);
        if (target.password() != null) {
            enqueue(
                    new Request(
                            Resp.command("AUTH", target.password()),
                            new Handshake(true),
                            STALL_MIN.toNanos(),
                            false));
        }
        for (Script s : Script.ALL) {
            enqueue(new Request(scriptLoad(s), new Handshake(false), STALL_MIN.toNanos(), false));
        }
    }

    private final class Handshake implements Callback {
        private final boolean auth;

        Handshake(boolean auth) {
            this.auth = auth;
        }

        @Override
        public void onReply(Reply reply) {
            if (reply instanceof Reply.Error e) {
                if (auth || e.code().equals("NOAUTH") || e.code().equals("WRONGPASS")) {
                    // the message is Redis's (WRONGPASS ..., NOAUTH ...), never the password
                    lost(ERROR, (auth ? "AUTH failed: " : "login needed: ") + e.message());
                    return;
                }
                LOG.log(
                        Level.WARNING,
                        "redis SCRIPT LOAD failed address="
                                + target.address()
                                + " error="
                                + e.message());
            }
            if (--handshakeLeft == 0) {
                backoff = BACKOFF_MIN_NANOS;
                if (outageLogged || !everUp) {
                    LOG.log(Level.INFO, "redis connected address=" + target.address());
                }
                outageLogged = false;
                everUp = true;
            }
        }

        @Override
        public void onFailure(String reason, String detail) {}
    }

    private void connected() {
        state = State.READY;
        for (Request q : inflight) {
            q.sentAt = System.nanoTime();
        }
        flush();
    }

    private void enqueue(Request q) {
        q.sentAt = System.nanoTime();
        inflight.add(q);
        out.add(ByteBuffer.wrap(q.bytes));
    }

    private void drainSubmitted() {
        Request q;
        while ((q = submitted.poll()) != null) {
            if (state == State.DOWN) {
                fail(q, CONNECT, "no connection to redis");
            } else {
                enqueue(q);
            }
        }
    }

    private void flush() {
        if (state != State.READY) {
            return;
        }
        try {
            while (!out.isEmpty()) {
                ByteBuffer[] batch = out.stream().limit(256).toArray(ByteBuffer[]::new);
                channel.write(batch);
                while (!out.isEmpty() && !out.peek().hasRemaining()) {
                    out.poll();
                }
                if (batch[batch.length - 1].hasRemaining()) {
                    break; // the socket is full
                }
            }
        } catch (IOException e) {
            lost(CONNECT, "write failed: " + e.getMessage());
            return;
        }
        key.interestOps(
                out.isEmpty()
                        ? SelectionKey.OP_READ
                        : SelectionKey.OP_READ | SelectionKey.OP_WRITE);
    }

    private void read(SocketChannel ch) {
        try {
            for (int i = 0; i < 16 && channel == ch; i++) {
                int n = ch.read(readBuf);
                if (n < 0) {
                    lost(CONNECT, "connection closed by redis");
                    return;
                }
                if (n == 0) {
                    return;
                }
                readBuf.flip();
                decoder.feed(readBuf);
                readBuf.clear();
                Reply r;
                while (channel == ch && (r = decoder.next()) != null) {
                    Request q = inflight.poll();
                    if (q == null) {
                        lost(ERROR, "a reply without a request");
                        return;
                    }
                    complete(q, r);
                }
            }
        } catch (IOException e) {
            lost(CONNECT, "read failed: " + e.getMessage());
        } catch (Resp.ProtocolException e) {
            lost(ERROR, "protocol error: " + e.getMessage());
        }
    }

    private void timers(long now) {
        switch (state) {
            case CONNECTING -> {
                if (now - deadline >= 0) {
                    lost(CONNECT, "connect timed out after " + CONNECT_TIMEOUT.toMillis() + "ms");
                }
            }
            case DOWN -> {
                if (now - deadline >= 0) {
                    connect(now);
                }
            }
            case READY -> {
                Request head = inflight.peek();
                if (head != null && now - head.sentAt > head.stallNanos) {
                    lost(
                            CONNECT,
                            "no reply for "
                                    + TimeUnit.NANOSECONDS.toMillis(now - head.sentAt)
                                    + "ms, connection stalled");
                }
            }
        }
    }

    /** The connection is gone: fail what waits, and reconnect after the backoff. */
    private void lost(String reason, String detail) {
        closeChannel();
        state = State.DOWN;
        down = true;
        deadline = System.nanoTime() + backoff;
        long retryMs = TimeUnit.NANOSECONDS.toMillis(backoff);
        backoff = Math.min(backoff * 2, BACKOFF_MAX_NANOS);
        String line =
                " address="
                        + target.address()
                        + " reason="
                        + detail
                        + " retry_in="
                        + retryMs
                        + "ms";
        if (!outageLogged && !closed) {
            outageLogged = true;
            LOG.log(Level.WARNING, "redis connection " + (everUp ? "lost" : "failed") + line);
        } else {
            debug("redis connect failed" + line);
        }
        failInflight(reason, detail);
    }

    private void closeChannel() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        channel = null;
        key = null;
        out.clear();
    }

    private void failInflight(String reason, String detail) {
        Request q;
        while ((q = inflight.poll()) != null) {
            fail(q, reason, detail);
        }
    }

    private void complete(Request q, Reply r) {
        if (q.counted) {
            outstanding.decrementAndGet();
        }
        try {
            q.callback.onReply(r);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "redis reply callback failed", e);
        }
    }

    private void fail(Request q, String reason, String detail) {
        if (q.counted) {
            outstanding.decrementAndGet();
        }
        try {
            q.callback.onFailure(reason, detail);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "redis failure callback failed", e);
        }
    }

    private void shutdown() {
        down = true;
        closeChannel();
        state = State.DOWN;
        failInflight(CONNECT, "client closed");
        Request q;
        while ((q = submitted.poll()) != null) {
            fail(q, CONNECT, "client closed");
        }
        try {
            selector.close();
        } catch (IOException e) {
            // closing anyway
        }
        debug("redis client closed address=" + target.address());
    }

    private static void debug(String message) {
        if (LOG.isLoggable(Level.DEBUG)) {
            LOG.log(Level.DEBUG, message);
        }
    }
}
