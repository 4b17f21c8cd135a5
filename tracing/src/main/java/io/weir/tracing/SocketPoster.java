package io.weir.tracing;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * What the span exporters' blocking clients ({@link HttpPoster}, {@link GrpcPoster}) share: one
 * {@code http://} or {@code https://} endpoint, one connection at a time (TCP_NODELAY; TLS with the
 * JDK's default context and host name verification, and an ALPN protocol when asked), and the time
 * limit of a call: the whole call (connect, TLS, request, answer) must finish within the timeout,
 * or the connection is closed under it by the {@link CallTimer} and the call fails with "no answer
 * within N ms"; so a server that stops reading cannot block the export thread longer than that.
 * Threading: one thread at a time (the export thread); the timer thread only closes the socket.
 */
abstract class SocketPoster implements Closeable {
    /**
     * Runs the posters' time-limit checks ({@link CallTimer}), which close the connection under a
     * call past its limit.
     */
    static final ScheduledThreadPoolExecutor TIMER = timer();

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t =
                new ScheduledThreadPoolExecutor(
                        1,
                        r -> {
                            Thread th = new Thread(r, "weir-trace-export-timer");
                            th.setDaemon(true);
                            return th;
                        });
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    final URI endpoint;
    final String host;
    final int port;
    final boolean tls;
    final long timeoutMillis;

    private Socket socket;
    private volatile boolean timedOut;
    private final CallTimer timer = new CallTimer(this::expire);

    /** One call's work on the connection, given the call's deadline (System.nanoTime). */
    interface Exchange<T> {
        T run(long deadline) throws IOException;
    }

    SocketPoster(URI endpoint, Duration timeout) {
        String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme();
        if (!scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")) {
            throw new IllegalArgumentException("not an http:// or https:// endpoint: " + endpoint);
        }
        if (endpoint.getHost() == null) {
            throw new IllegalArgumentException("no host in " + endpoint);
        }
        this.endpoint = endpoint;
        this.tls = scheme.equalsIgnoreCase("https");
        String h = endpoint.getHost();
        this.host = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
        this.port = endpoint.getPort() >= 0 ? endpoint.getPort() : tls ? 443 : 80;
        this.timeoutMillis = Math.max(1, timeout.toMillis());
    }

    /**
     * Runs one call within the time limit; a failed call leaves no connection behind.
     *
     * @throws IOException when there is no answer within the time limit
     */
    final <T> T timed(Exchange<T> call) throws IOException {
        long deadline = begin();
        try {
            return call.run(deadline);
        } catch (IOException e) {
            throw failed(e);
        } finally {
            end();
        }
    }

    /**
     * Starts a call's time limit, for a call that ends later than it returns (a request whose
     * answer is read afterwards): {@link #end} ends it, {@link #failed} makes its error. Returns
     * the call's deadline (System.nanoTime).
     */
    final long begin() {
        long limit = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        timedOut = false;
        timer.start(limit);
        return System.nanoTime() + limit;
    }

    /** The call started by {@link #begin} is over. */
    final void end() {
        timer.end();
    }

    /**
     * A call failed with {@code e}: closes its connection and returns the error to throw, "no
     * answer within N ms" when it ran past its limit.
     */
    final IOException failed(IOException e) {
        disconnect();
        if (timedOut || e instanceof SocketTimeoutException) { // timer or backstop
            return new IOException("no answer within " + timeoutMillis + " ms", e);
        }
        return e;
    }

    /** The current call ran past its time limit (its connection was closed under it). */
    final boolean timedOut() {
        return timedOut;
    }

    /** A connection is open (it may have been closed by the server since). */
    final boolean connected() {
        return socket != null;
    }

    /**
     * Opens the connection (TLS for {@code https://}, offering {@code alpn} when not null and
     * requiring the server to pick it) and returns the socket to read and write.
     */
    final Socket open(long deadline, String alpn) throws IOException {
        int remaining = remainingMillis(deadline);
        Socket s = new Socket();
        socket = s; // from now on the timer can close it
        try {
            s.connect(new InetSocketAddress(host, port), remaining);
            s.setTcpNoDelay(true);
            s.setSoTimeout(remaining); // a backstop: the timer closes the socket at the deadline
            if (tls) {
                SSLSocket t =
                        (SSLSocket)
                                ((SSLSocketFactory) SSLSocketFactory.getDefault())
                                        .createSocket(s, host, port, true);
                SSLParameters p = t.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                if (alpn != null) {
                    p.setApplicationProtocols(new String[] {alpn});
                }
                t.setSSLParameters(p);
                socket = t;
                t.startHandshake();
                if (alpn != null && !alpn.equals(t.getApplicationProtocol())) {
                    throw new IOException(
                            "the server did not agree to " + alpn + " (ALPN) on " + endpoint);
                }
                s = t;
            }
            return s;
        } catch (IOException e) {
            disconnect();
            throw e;
        }
    }

    private static int remainingMillis(long deadline) throws IOException {
        long ms = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (ms <= 0) {
            throw new IOException("no time left");
        }
        return (int) Math.min(Integer.MAX_VALUE, ms);
    }

    /** Closes the connection of a call past its time limit; runs on the timer thread. */
    private void expire() {
        timedOut = true;
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing is all that is wanted
            }
        }
    }

    /** Closes the connection; {@link #dropped} then forgets its streams and state. */
    final void disconnect() {
        Socket s = socket;
        socket = null;
        dropped();
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already unusable
            }
        }
    }

    /** The connection is gone: the subclass drops what belonged to it. */
    abstract void dropped();

    @Override
    public void close() {
        disconnect();
    }

    @Override
    public String toString() {
        return endpoint.toString();
    }
}
