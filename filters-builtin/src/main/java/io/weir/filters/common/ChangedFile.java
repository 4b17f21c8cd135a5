package io.weir.filters.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A file a filter reloads when it changes (mtime, size or a SHA-256 of its bytes). {@link #read}
 * gives the bytes of a version not yet {@link #accept accepted}; the caller accepts it once it has
 * parsed it, so a broken version is read again at the next poll. Not thread-safe: the owner
 * serializes its calls.
 */
public final class ChangedFile {
    /** Files larger than this are refused. */
    public static final long MAX_BYTES = 16L << 20;

    private record Fingerprint(long mtime, long size, byte[] sha256) {
        boolean same(Fingerprint o) {
            return o != null
                    && mtime == o.mtime
                    && size == o.size
                    && MessageDigest.isEqual(sha256, o.sha256);
        }
    }

    private final Path file;
    private Fingerprint seen;
    private Fingerprint read;

    public ChangedFile(Path file) {
        this.file = file;
    }

    public Path path() {
        return file;
    }

    /** The file's bytes when they differ from the accepted version, else null. */
    public byte[] read() throws IOException {
        long mtime = Files.getLastModifiedTime(file).toMillis();
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new IOException("file larger than 16 MiB");
        }
        byte[] content = Files.readAllBytes(file);
        Fingerprint f;
        try {
            f = new Fingerprint(mtime, size, MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (f.same(seen)) {
            return null;
        }
        read = f;
        return content;
    }

    /** Marks the version last returned by {@link #read} as the current one. */
    public void accept() {
        seen = read;
    }
}
