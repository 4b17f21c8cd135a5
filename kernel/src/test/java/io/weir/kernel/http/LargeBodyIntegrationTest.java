package io.weir.kernel.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.RawUpstream;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bodies far larger than any buffer stream through with bounded memory, in both directions, and a
 * client that stops reading pauses the upstream instead of filling Weir's memory.
 *
 * <p>Weir runs in the test JVM, so its buffer memory is visible: Netty's default allocator (in
 * Netty 4.2 the adaptive one, which every Weir channel uses; {@code PooledByteBufAllocator.DEFAULT}
 * is counted too) reports the direct memory it holds, sampled from the client thread while it
 * writes or reads. Heap is sampled after a GC at a few points, so that garbage does not count, only
 * what is retained.
 */
@ExtendWith(NettyLeakCheck.class)
class LargeBodyIntegrationTest {
    private static final long MIB = 1024 * 1024;
    private static final long BIG = 200 * MIB;
    private static final long SLOW = 100 * MIB;
    private static final long BOUND = 64 * MIB;
    private static final int PIECE = 64 * 1024;

    private static TestUpstream up;
    private static Weir weir;

    /** Released by the stalled-upstream test: until then /stall does not read its body. */
    private static volatile CountDownLatch stallRelease = new CountDownLatch(0);

    @BeforeAll
    static void start() throws Exception {
        up =
                new TestUpstream("big")
                        .on("/sink", LargeBodyIntegrationTest::sink)
                        .on("/stall", LargeBodyIntegrationTest::sink)
                        .on("/source/", LargeBodyIntegrationTest::source);
        // the route timeout runs to the end of the response: give the big ones time
        weir = Weir.start(Weir.simple(up.address(), "").replace("timeout: 5s", "timeout: 60s"));
    }

    @AfterAll
    static void stop() {
        weir.close();
        up.close();
    }

    /** Latches of the slow-client test: the upstream finished writing its body. */
    private static volatile CountDownLatch sourceDone = new CountDownLatch(1);

    private static final AtomicLong sourceWritten = new AtomicLong();

    /** POST /sink (and /stall, after its latch): answers the body's length and CRC-32. */
    private static void sink(com.sun.net.httpserver.HttpExchange ex) throws IOException {
        if (ex.getRequestURI().getPath().equals("/stall")) {
            try {
                stallRelease.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        CRC32 crc = new CRC32();
        byte[] buf = new byte[PIECE];
        long n = 0;
        int r;
        InputStream in = ex.getRequestBody();
        while ((r = in.read(buf)) >= 0) {
            crc.update(buf, 0, r);
            n += r;
        }
        byte[] body = ("bytes=" + n + " crc=" + crc.getValue()).getBytes(StandardCharsets.US_ASCII);
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }

    /** GET /source/N: N bytes of {@link #fill} pattern, with a content-length. */
    private static void source(com.sun.net.httpserver.HttpExchange ex) throws IOException {
        long n = Long.parseLong(ex.getRequestURI().getPath().substring("/source/".length()));
        sourceWritten.set(0);
        ex.sendResponseHeaders(200, n);
        byte[] buf = new byte[PIECE];
        try (OutputStream o = ex.getResponseBody()) {
            long sent = 0;
            long piece = 0;
            while (sent < n) {
                fill(buf, piece++);
                int k = (int) Math.min(buf.length, n - sent);
                o.write(buf, 0, k);
                sent += k;
                sourceWritten.set(sent);
            }
        } finally {
            sourceDone.countDown();
        }
    }

    /** Content of piece {@code i}: a pattern that changes with every piece. */
    private static void fill(byte[] buf, long i) {
        for (int k = 0; k < buf.length; k += 8) {
            long v = i * 0x9E3779B97F4A7C15L + k;
            for (int j = 0; j < 8; j++) {
                buf[k + j] = (byte) (v >>> (j * 8));
            }
        }
    }

    static long directUsed() {
        long used = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider p
                && ByteBufAllocator.DEFAULT != PooledByteBufAllocator.DEFAULT) {
            used += p.metric().usedDirectMemory();
        }
        return used;
    }

    static long heapRetained() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    /** The largest values seen of the two memory measures, above a baseline. */
    private static final class Peak {
        final long directBase = directUsed();
        final long heapBase = heapRetained();
        long direct;
        long heap;

        void sampleDirect() {
            direct = Math.max(direct, directUsed() - directBase);
        }

        void sampleHeap() {
            heap = Math.max(heap, heapRetained() - heapBase);
        }

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "direct +%.1f MiB (base %.1f), heap +%.1f MiB (base %.1f)",
                    direct / (double) MIB,
                    directBase / (double) MIB,
                    heap / (double) MIB,
                    heapBase / (double) MIB);
        }
    }

    private static Socket connect(int receiveBuffer) throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        s.connect(new InetSocketAddress("127.0.0.1", weir.port()), 5000);
        s.setSoTimeout(30_000);
        return s;
    }

    /** Reads a response head and returns its content-length (checking status 200). */
    private static long responseHead(InputStream in) throws IOException {
        String head = RawUpstream.readHead(in).toLowerCase(Locale.ROOT);
        assertThat(head).startsWith("http/1.1 200 ");
        int i = head.indexOf("\r\ncontent-length: ");
        assertThat(i).as("content-length in %s", head).isPositive();
        return Long.parseLong(head.substring(i + 18, head.indexOf('\r', i + 18)).trim());
    }

    @Test
    void a200MiBRequestBodyStreamsThroughWithBoundedMemory() throws Exception {
        Peak peak = new Peak();
        long start = System.nanoTime();
        CRC32 crc = new CRC32();
        try (Socket s = connect(0)) {
            OutputStream out = s.getOutputStream();
            out.write(
                    ("POST /sink HTTP/1.1\r\nHost: x\r\nContent-Length: " + BIG + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            byte[] buf = new byte[PIECE];
            for (long piece = 0, sent = 0; sent < BIG; piece++, sent += PIECE) {
                fill(buf, piece);
                out.write(buf);
                crc.update(buf);
                if (piece % 64 == 0) { // every 4 MiB
                    peak.sampleDirect();
                }
                if (piece % 800 == 400) { // at 25, 75, 125 and 175 MiB
                    peak.sampleHeap();
                }
            }
            out.flush();
            InputStream in = s.getInputStream();
            long n = responseHead(in);
            String body = new String(in.readNBytes((int) n), StandardCharsets.US_ASCII);
            assertThat(body).isEqualTo("bytes=" + BIG + " crc=" + crc.getValue());
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        System.out.println("upload: " + seconds + " s, " + peak);
        assertThat(seconds).as("200 MiB upload time").isLessThan(60);
        assertThat(peak.direct).as(peak.toString()).isLessThan(BOUND);
        assertThat(peak.heap).as(peak.toString()).isLessThan(BOUND);
    }

    @Test
    void a200MiBResponseBodyStreamsThroughWithBoundedMemory() throws Exception {
        Peak peak = new Peak();
        long start = System.nanoTime();
        try (Socket s = connect(0)) {
            s.getOutputStream()
                    .write(
                            ("GET /source/" + BIG + " HTTP/1.1\r\nHost: x\r\n\r\n")
                                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            assertThat(responseHead(in)).isEqualTo(BIG);
            long got = readAndCheck(in, BIG, 0, peak);
            assertThat(got).isEqualTo(BIG);
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        System.out.println("download: " + seconds + " s, " + peak);
        assertThat(seconds).as("200 MiB download time").isLessThan(60);
        assertThat(peak.direct).as(peak.toString()).isLessThan(BOUND);
        assertThat(peak.heap).as(peak.toString()).isLessThan(BOUND);
    }

    /**
     * Reads {@code total - already} body bytes, checking them against the pattern from offset
     * {@code already}; returns how many bytes were read in all.
     */
    private static long readAndCheck(InputStream in, long total, long already, Peak peak)
            throws IOException {
        byte[] expected = new byte[PIECE];
        byte[] buf = new byte[PIECE];
        long pos = already;
        long lastSample = 0;
        long lastHeap = 0;
        long piece = -1;
        while (pos < total) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, total - pos));
            if (r < 0) {
                break;
            }
            for (int i = 0; i < r; i++) {
                long p = pos + i;
                if (p / PIECE != piece) {
                    piece = p / PIECE;
                    fill(expected, piece);
                }
                if (buf[i] != expected[(int) (p % PIECE)]) {
                    throw new AssertionError("body differs at byte " + p);
                }
            }
            pos += r;
            if (peak != null && pos - lastSample >= 4 * MIB) {
                lastSample = pos;
                peak.sampleDirect();
            }
            if (peak != null && pos - lastHeap >= 50 * MIB) {
                lastHeap = pos;
                peak.sampleHeap();
            }
        }
        return pos;
    }

    @Test
    void aClientThatStopsReadingPausesTheUpstreamAndMemoryStaysBounded() throws Exception {
        sourceDone = new CountDownLatch(1);
        Peak peak = new Peak();
        try (Socket s = connect(4096)) {
            s.getOutputStream()
                    .write(
                            ("GET /source/" + SLOW + " HTTP/1.1\r\nHost: x\r\n\r\n")
                                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            assertThat(responseHead(in)).isEqualTo(SLOW);
            long got = readAndCheck(in, 64 * 1024, 0, null);
            // now stop reading: without back-pressure the upstream would write all 100 MiB into
            // Weir within this wait; with it, the upstream is stuck once the buffers are full
            assertThat(sourceDone.await(3, TimeUnit.SECONDS)).as("upstream finished").isFalse();
            peak.sampleDirect();
            long stalledAt = sourceWritten.get();
            System.out.println("slow client: upstream stalled at " + stalledAt + " bytes, " + peak);
            // socket buffers hold some (up to 32 MiB + 4 MiB between Weir and the upstream)
            assertThat(stalledAt)
                    .as("bytes the upstream wrote while the client did not read")
                    .isLessThan(60 * MIB);
            assertThat(peak.direct).as(peak.toString()).isLessThan(32 * MIB);
            // resume: everything arrives, intact
            got = readAndCheck(in, SLOW, got, peak);
            assertThat(got).isEqualTo(SLOW);
            assertThat(sourceDone.await(5, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(peak.direct).as(peak.toString()).isLessThan(BOUND);
    }

    @Test
    void aStalledUpstreamPausesTheClientAndMemoryStaysBounded() throws Exception {
        stallRelease = new CountDownLatch(1);
        CountDownLatch clientDone = new CountDownLatch(1);
        AtomicLong clientWritten = new AtomicLong();
        CRC32 crc = new CRC32();
        ExecutorService writer = Executors.newSingleThreadExecutor();
        Peak peak = new Peak();
        try (Socket s = connect(0)) {
            OutputStream out = s.getOutputStream();
            Future<?> writing =
                    writer.submit(
                            () -> {
                                out.write(
                                        ("POST /stall HTTP/1.1\r\nHost: x\r\nContent-Length: "
                                                        + BIG
                                                        + "\r\n\r\n")
                                                .getBytes(StandardCharsets.US_ASCII));
                                byte[] buf = new byte[PIECE];
                                for (long piece = 0; clientWritten.get() < BIG; piece++) {
                                    fill(buf, piece);
                                    out.write(buf);
                                    crc.update(buf);
                                    clientWritten.addAndGet(PIECE);
                                }
                                out.flush();
                                clientDone.countDown();
                                return null;
                            });
            // the upstream reads nothing: without back-pressure Weir would take all 200 MiB from
            // the client within this wait; with it, the client's writes block once the socket
            // buffers are full (here up to 32 MiB each way: see /proc/sys/net/ipv4/tcp_rmem)
            assertThat(clientDone.await(3, TimeUnit.SECONDS))
                    .as("client wrote everything")
                    .isFalse();
            peak.sampleDirect();
            long stalledAt = clientWritten.get();
            System.out.println(
                    "stalled upstream: client stalled at " + stalledAt + " bytes, " + peak);
            assertThat(stalledAt)
                    .as("bytes the client wrote while the upstream did not read")
                    .isLessThan(BIG - 64 * MIB);
            assertThat(peak.direct).as(peak.toString()).isLessThan(32 * MIB);
            stallRelease.countDown();
            writing.get(30, TimeUnit.SECONDS);
            InputStream in = s.getInputStream();
            long n = responseHead(in);
            String body = new String(in.readNBytes((int) n), StandardCharsets.US_ASCII);
            assertThat(body).isEqualTo("bytes=" + BIG + " crc=" + crc.getValue());
        } finally {
            stallRelease.countDown();
            writer.shutdownNow();
        }
    }

    @Test
    void aSmallPerConnectionBufferLimitStillStreamsBothWays() throws Exception {
        long size = 32 * MIB;
        String yaml =
                Weir.simple(up.address(), "")
                        .replace("timeout: 5s", "timeout: 60s")
                        .replace(
                                "    address: 127.0.0.1:0\n    http:",
                                "    address: 127.0.0.1:0\n    per_connection_buffer_limit: 16384\n    http:");
        assertThat(yaml).contains("per_connection_buffer_limit: 16384");
        try (Weir small = Weir.start(yaml);
                Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", small.port()), 5000);
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(
                    ("POST /sink HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            CRC32 crc = new CRC32();
            byte[] buf = new byte[PIECE];
            for (long piece = 0, sent = 0; sent < size; piece++, sent += PIECE) {
                fill(buf, piece);
                out.write(buf);
                crc.update(buf);
            }
            out.flush();
            InputStream in = s.getInputStream();
            long n = responseHead(in);
            assertThat(new String(in.readNBytes((int) n), StandardCharsets.US_ASCII))
                    .isEqualTo("bytes=" + size + " crc=" + crc.getValue());
            out.write(
                    ("GET /source/" + size + " HTTP/1.1\r\nHost: x\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            assertThat(responseHead(in)).isEqualTo(size);
            assertThat(readAndCheck(in, size, 0, null)).isEqualTo(size);
        }
    }
}
