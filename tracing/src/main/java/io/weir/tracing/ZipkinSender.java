package io.weir.tracing;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import zipkin2.reporter.BytesMessageEncoder;
import zipkin2.reporter.BytesMessageSender;
import zipkin2.reporter.Encoding;

/**
 * Posts Zipkin v2 JSON span lists with an {@link HttpPoster} (instead of OkHttp). Called on the
 * export thread only; blocks for at most the export timeout.
 */
final class ZipkinSender implements BytesMessageSender {
    private static final int MAX_MESSAGE = 5 << 20;

    private final URI endpoint;
    private final HttpPoster poster;

    ZipkinSender(URI endpoint, Duration timeout) {
        this.endpoint = endpoint;
        this.poster = new HttpPoster(endpoint, "application/json", timeout);
    }

    @Override
    public Encoding encoding() {
        return Encoding.JSON;
    }

    @Override
    public int messageMaxBytes() {
        return MAX_MESSAGE;
    }

    @Override
    public int messageSizeInBytes(List<byte[]> encodedSpans) {
        return Encoding.JSON.listSizeInBytes(encodedSpans);
    }

    @Override
    public int messageSizeInBytes(int encodedSizeInBytes) {
        return Encoding.JSON.listSizeInBytes(encodedSizeInBytes);
    }

    @Override
    public void send(List<byte[]> encodedSpans) throws IOException {
        byte[] body = BytesMessageEncoder.JSON.encode(encodedSpans);
        int status = poster.post(body, 0, body.length);
        if (status / 100 != 2) {
            throw new IOException("zipkin answered " + status + " from " + endpoint);
        }
    }

    @Override
    public void close() {
        poster.close();
    }
}
