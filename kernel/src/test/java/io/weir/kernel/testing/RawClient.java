package io.weir.kernel.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A plain-socket HTTP/1.1 client for tests that must send exact bytes (malformed requests,
 * pipelining) and read exact responses. Reads responses framed by content-length, chunked encoding,
 * or connection close.
 */
public final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        // buffered: a line is read a byte at a time. Only this client's own reads fill the
        // buffer, so a test may still read socket() directly instead.
        in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
        out = socket.getOutputStream();
    }

    public RawClient send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    public RawClient send(byte[] raw) throws IOException {
        out.write(raw);
        out.flush();
        return this;
    }

    public Socket socket() {
        return socket;
    }

    /** A parsed response. */
    public record Response(int status, String reason, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** Reads one response (skipping 1xx unless {@code keepInterim}). */
    public Response read() throws IOException {
        return read(false, false);
    }

    public Response read(boolean keepInterim, boolean headRequest) throws IOException {
        while (true) {
            String status = line();
            if (status == null) {
                throw new IOException("connection closed before a response");
            }
            String[] parts = status.split(" ", 3);
            int code = Integer.parseInt(parts[1]);
            Map<String, String> h = new LinkedHashMap<>();
            String l;
            while (!(l = line()).isEmpty()) {
                int c = l.indexOf(':');
                String k = l.substring(0, c).trim().toLowerCase(Locale.ROOT);
                String v = l.substring(c + 1).trim();
                h.merge(k, v, (a, b) -> a + "," + b);
            }
            if (code < 200 && !keepInterim) {
                continue;
            }
            String body;
            if (code < 200 || code == 204 || code == 304 || headRequest) {
                body = "";
            } else if ("chunked".equalsIgnoreCase(h.get("transfer-encoding"))) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                while (true) {
                    String size = line();
                    int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                    if (n == 0) {
                        String t;
                        while (!(t = line()).isEmpty()) {
                            int c = t.indexOf(':');
                            h.put(
                                    "trailer:" + t.substring(0, c).trim().toLowerCase(Locale.ROOT),
                                    t.substring(c + 1).trim());
                        }
                        break;
                    }
                    b.write(in.readNBytes(n));
                    line();
                }
                body = b.toString(StandardCharsets.ISO_8859_1);
            } else if (h.containsKey("content-length")) {
                body =
                        new String(
                                in.readNBytes(Integer.parseInt(h.get("content-length"))),
                                StandardCharsets.ISO_8859_1);
            } else {
                body = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            }
            return new Response(code, parts.length > 2 ? parts[2] : "", h, body);
        }
    }

    /** True when the server closed the connection (EOF) within the socket timeout. */
    public boolean closedByPeer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int n = sb.length();
                if (n > 0 && sb.charAt(n - 1) == '\r') {
                    sb.setLength(n - 1);
                }
                return sb.toString();
            }
            sb.append((char) c);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
