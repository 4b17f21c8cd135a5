package io.weir.tracing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import zipkin2.reporter.BytesMessageEncoder;
import zipkin2.reporter.BytesMessageSender;
import zipkin2.reporter.Encoding;

/**
 * Posts Zipkin v2 JSON span lists with the JDK's HTTP client (instead of OkHttp). Called on the
 * batch span processor's thread only; blocks for at most the export timeout.
 */
final class ZipkinSender implements BytesMessageSender {
    private static final int MAX_MESSAGE = 5 << 20;

    private final URI endpoint;
    private final Duration timeout;
    private final HttpClient client;

    ZipkinSender(URI endpoint, Duration timeout) {
        this.endpoint = endpoint;
        this.timeout = timeout;
        this.client =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(timeout)
                        .build();
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
        HttpRequest req =
                HttpRequest.newBuilder(endpoint)
                        .timeout(timeout)
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build();
        HttpResponse<Void> res;
        try {
            res = client.send(req, HttpResponse.BodyHandlers.discarding());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (res.statusCode() / 100 != 2) {
            throw new IOException("zipkin answered " + res.statusCode() + " from " + endpoint);
        }
    }

    @Override
    public void close() {}
}
