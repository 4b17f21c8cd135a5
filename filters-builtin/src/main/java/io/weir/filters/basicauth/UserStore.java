package io.weir.filters.basicauth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.weir.filters.common.ChangedFile;
import io.weir.filters.common.FileWatcher;
import io.weir.spi.Metrics;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;

/**
 * The users of one parsed {@code weir.basic_auth} block and their verification cache, swapped whole
 * (with an empty cache) when the htpasswd file changes. {@link #current()} is read lock-free by
 * every worker; {@link #poll()} runs on the {@link FileWatcher} thread (or a test's) and is
 * serialized. A file that cannot be read or parsed keeps the previous users and logs its path and
 * line, never a hash.
 */
final class UserStore implements FileWatcher.Target {

    private static final System.Logger LOG =
            System.getLogger("weir.filter." + BasicAuthFilterFactory.NAME);

    /**
     * The loaded file: users, a bcrypt hash of a random password at the file's highest cost
     * (checked for unknown users, so they take as long as known ones), and the cache of this file.
     */
    record Snapshot(Map<String, byte[]> users, byte[] dummyHash, VerifyCache cache) {}

    private final Path file;
    private final long cacheTtlNanos;
    private final int cacheMaxEntries;
    private volatile Snapshot current;
    private volatile Metrics.Counter reloads;
    private final ChangedFile changes; // guarded by this
    private String lastError; // guarded by this

    private UserStore(Path file, long cacheTtlNanos, int cacheMaxEntries) {
        this.file = file;
        this.changes = file == null ? null : new ChangedFile(file);
        this.cacheTtlNanos = cacheTtlNanos;
        this.cacheMaxEntries = cacheMaxEntries;
    }

    /** Loads the file at config time; null after reporting a problem (path and line). */
    static UserStore load(
            Path file,
            long cacheTtlNanos,
            int cacheMaxEntries,
            java.util.function.Consumer<String> error) {
        UserStore s = new UserStore(file, cacheTtlNanos, cacheMaxEntries);
        try {
            s.read();
        } catch (IOException e) {
            error.accept("cannot read " + file + ": " + e.getClass().getSimpleName());
            return null;
        } catch (Htpasswd.ParseError e) {
            error.accept(file + " " + e.getMessage());
            return null;
        }
        return s;
    }

    Snapshot current() {
        return current;
    }

    Path file() {
        return file;
    }

    void attach(Metrics.Counter reloadCounter) {
        if (reloads == null) {
            reloads = reloadCounter;
        }
    }

    /** Re-reads the file when its mtime, size or content changed. */
    @Override
    public synchronized void poll() {
        try {
            if (read()) {
                lastError = null;
                count("ok");
                LOG.log(
                        Level.INFO,
                        "htpasswd file reloaded path=" + file + " users=" + current.users().size());
            } else {
                lastError = null;
            }
        } catch (IOException e) {
            fail("error=" + e.getClass().getSimpleName());
        } catch (Htpasswd.ParseError e) {
            fail("line=" + e.line + " error=\"" + e.getMessage() + "\"");
        }
    }

    private void fail(String what) {
        if (!what.equals(lastError)) {
            lastError = what;
            count("error");
            LOG.log(
                    Level.WARNING,
                    "htpasswd file reload failed, keeping the previous users path="
                            + file
                            + " "
                            + what);
        }
    }

    private void count(String result) {
        Metrics.Counter c = reloads;
        if (c != null) {
            c.inc(result);
        }
    }

    private boolean read() throws IOException, Htpasswd.ParseError {
        byte[] content = changes.read();
        if (content == null) {
            return false;
        }
        Map<String, byte[]> users = Htpasswd.parse(content);
        current =
                new Snapshot(
                        Map.copyOf(users),
                        dummyHash(users),
                        new VerifyCache(cacheTtlNanos, cacheMaxEntries));
        changes.accept();
        return true;
    }

    private static byte[] dummyHash(Map<String, byte[]> users) {
        int cost = 4;
        for (byte[] h : users.values()) {
            cost = Math.max(cost, Integer.parseInt(new String(h, 4, 2, StandardCharsets.US_ASCII)));
        }
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        return BCrypt.with(BCrypt.Version.VERSION_2Y).hash(cost, random);
    }
}
