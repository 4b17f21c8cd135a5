package io.weir.filters.ratelimit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real {@code redis-server} for a test: started as a subprocess in a directory of the test's
 * ({@code --port <free port> --bind 127.0.0.1 --save "" --appendonly no}, verbose log so that
 * accepted connections show), ready once it logged that it accepts connections and answered PING.
 * {@link #stop()} and {@link #restart()} keep the port. Never a fixed port.
 */
final class RedisServer implements AutoCloseable {
    static final String HINT = "install redis-server (Debian) or run .ci/test";
    static final Duration READY_TIMEOUT = Duration.ofSeconds(15);

    private final Path dir;
    private final int port;
    private final List<String> extraArgs;
    private final List<String> output = new ArrayList<>();
    private Process process;
    private int startMark;

    private RedisServer(Path dir, int port, List<String> extraArgs) {
        this.dir = dir;
        this.port = port;
        this.extraArgs = extraArgs;
    }

    /** Starts one on a free port; {@code extraArgs} such as {@code --requirepass s3cret}. */
    static RedisServer start(Path dir, String... extraArgs) throws Exception {
        String exe = executable();
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            RedisServer r = new RedisServer(dir, freePort(), List.of(extraArgs));
            try {
                r.launch(exe);
                return r;
            } catch (IllegalStateException e) {
                // another process took the free port between probe and bind: try another
                last = e;
                r.close();
            }
        }
        throw last;
    }

    /** The redis-server to run: on PATH, else /usr/bin/redis-server; a clear failure if none. */
    static String executable() {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(java.io.File.pathSeparator)) {
                Path p = Path.of(d, "redis-server");
                if (Files.isExecutable(p)) {
                    return p.toString();
                }
            }
        }
        if (Files.isExecutable(Path.of("/usr/bin/redis-server"))) {
            return "/usr/bin/redis-server";
        }
        throw new IllegalStateException("redis-server not found: " + HINT);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    int port() {
        return port;
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    /** Stops the server (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. */
    void stop() throws InterruptedException {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        process = null;
    }

    /** Starts it again on the same port. */
    void restart() throws Exception {
        stop();
        launch(executable());
    }

    boolean running() {
        return process != null && process.isAlive();
    }

    private void launch(String exe) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.addAll(
                List.of(
                        exe,
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        dir.toString(),
                        "--loglevel",
                        "verbose"));
        cmd.addAll(extraArgs);
        int mark = lines();
        startMark = mark;
        Process p =
                new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        process = p;
        Thread reader = new Thread(() -> pump(p.getInputStream()), "redis-output-" + port);
        reader.setDaemon(true);
        reader.start();
        boolean ready =
                awaitOutput(
                        l -> l.contains("Ready to accept connections"),
                        mark,
                        READY_TIMEOUT,
                        () -> !p.isAlive());
        if (!ready) {
            p.destroyForcibly();
            process = null;
            throw new IllegalStateException(
                    "redis-server did not start on port "
                            + port
                            + ":\n"
                            + String.join("\n", tail(mark)));
        }
        Reply pong = call("PING");
        if (!new Reply.Simple("PONG").equals(pong)
                && !(pong instanceof Reply.Error e && e.code().equals("NOAUTH"))) {
            throw new IllegalStateException("redis-server answered PING with " + pong);
        }
    }

    private void pump(InputStream in) {
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                synchronized (output) {
                    output.add(line);
                    output.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
        synchronized (output) {
            output.notifyAll();
        }
    }

    /** How many lines the server has logged so far (a mark for {@link #awaitLogged}). */
    int lines() {
        synchronized (output) {
            return output.size();
        }
    }

    List<String> tail(int from) {
        synchronized (output) {
            return List.copyOf(output.subList(Math.min(from, output.size()), output.size()));
        }
    }

    /**
     * Waits until a client other than this helper's own start-up PING has connected since the last
     * (re)start; false after {@code timeout}.
     */
    boolean awaitReconnect(Duration timeout) throws InterruptedException {
        java.util.concurrent.atomic.AtomicInteger accepted =
                new java.util.concurrent.atomic.AtomicInteger();
        return awaitLogged(
                l -> l.contains(" - Accepted ") && accepted.incrementAndGet() == 2,
                startMark,
                timeout);
    }

    /** Waits until a line logged after {@code mark} matches; false after {@code timeout}. */
    boolean awaitLogged(Predicate<String> match, int mark, Duration timeout)
            throws InterruptedException {
        return awaitOutput(match, mark, timeout, () -> false);
    }

    private boolean awaitOutput(
            Predicate<String> success,
            int mark,
            Duration timeout,
            java.util.function.BooleanSupplier dead)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (output) {
            int i = mark;
            while (true) {
                for (; i < output.size(); i++) {
                    if (success.test(output.get(i))) {
                        return true;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || dead.getAsBoolean()) {
                    return false;
                }
                // woken by each new line; the short cap notices a process that died silently
                output.wait(Math.max(1, Math.min(100, TimeUnit.NANOSECONDS.toMillis(left))));
            }
        }
    }

    /** Sends one command on a new connection and reads the reply (a blocking test client). */
    Reply call(String... args) throws IOException {
        return call(List.of(), args);
    }

    /** {@link #call} after logging in with {@code AUTH password}. */
    Reply callAuthenticated(String password, String... args) throws IOException {
        return call(List.of("AUTH", password), args);
    }

    private Reply call(List<String> first, String... args) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            Resp.Decoder d = new Resp.Decoder();
            int expected = 1;
            if (!first.isEmpty()) {
                out.write(Resp.command(first.toArray(String[]::new)));
                expected = 2;
            }
            out.write(Resp.command(args));
            out.flush();
            byte[] buf = new byte[8192];
            Reply r = null;
            while (expected > 0) {
                Reply next = d.next();
                if (next != null) {
                    r = next;
                    expected--;
                    continue;
                }
                int n = in.read(buf);
                if (n < 0) {
                    throw new IOException("redis closed the connection");
                }
                d.feed(java.nio.ByteBuffer.wrap(buf, 0, n));
            }
            return r;
        } catch (Resp.ProtocolException e) {
            throw new IOException(e);
        }
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Process p = process;
            if (p != null) {
                p.destroyForcibly();
            }
        }
    }
}
