package io.weir.filters.apikey;

import io.weir.filters.common.ChangedFile;
import io.weir.filters.common.FileWatcher;
import io.weir.spi.Metrics;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The keys of one parsed {@code weir.api_key} block: those of {@code keys} plus those of {@code
 * keys_file}, swapped whole when the file changes. {@link #current()} is read lock-free by every
 * worker; {@link #poll()} runs on the {@link FileWatcher} thread (or a test's) and is serialized. A
 * file that cannot be read or parsed keeps the previous set and logs its path and line, never a
 * key.
 */
final class KeyStore implements FileWatcher.Target {

    private static final System.Logger LOG =
            System.getLogger("weir.filter." + ApiKeyFilterFactory.NAME);

    private final List<KeySet.Entry> configKeys;
    private final Set<String> configHex;
    private final Path file;
    private volatile KeySet current;
    private volatile Metrics.Counter reloads; // attached by the first root or stream that sees us
    private final ChangedFile changes; // guarded by this
    private String lastError; // guarded by this: log a failure once, not on every poll

    /** What the file was when last read: a change of any part triggers a parse. */
    private KeyStore(List<KeySet.Entry> configKeys, Set<String> configHex, Path file) {
        this.configKeys = List.copyOf(configKeys);
        this.configHex = Set.copyOf(configHex);
        this.file = file;
        this.changes = file == null ? null : new ChangedFile(file);
    }

    /**
     * Loads the keys at config time. Returns null after reporting a problem of the file to {@code
     * fileError} (the message names the path and line).
     */
    static KeyStore load(
            List<KeySet.Entry> configKeys,
            Set<String> configHex,
            Path file,
            java.util.function.Consumer<String> fileError) {
        KeyStore s = new KeyStore(configKeys, configHex, file);
        if (file == null) {
            s.current = new KeySet(configKeys);
            return s;
        }
        try {
            s.read();
        } catch (IOException e) {
            fileError.accept("cannot read " + file + ": " + e.getClass().getSimpleName());
            return null;
        } catch (KeySet.ParseError e) {
            fileError.accept(file + " " + e.getMessage());
            return null;
        }
        return s;
    }

    KeySet current() {
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
        if (file == null) {
            return;
        }
        try {
            if (read()) {
                lastError = null;
                count("ok");
                LOG.log(
                        Level.INFO,
                        "api key file reloaded path=" + file + " keys=" + current.size());
            } else {
                lastError = null; // unchanged (or back to what is loaded)
            }
        } catch (IOException e) {
            fail("error=" + e.getClass().getSimpleName());
        } catch (KeySet.ParseError e) {
            fail("line=" + e.line + " error=\"" + e.getMessage() + "\"");
        }
    }

    private void fail(String what) {
        if (!what.equals(lastError)) { // once per distinct failure
            lastError = what;
            count("error");
            LOG.log(
                    Level.WARNING,
                    "api key file reload failed, keeping the previous keys path="
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

    /** Reads and parses the file when changed; swaps the set. Guarded by this (or construction). */
    private boolean read() throws IOException, KeySet.ParseError {
        byte[] content = changes.read();
        if (content == null) {
            return false;
        }
        List<KeySet.Entry> all = new ArrayList<>(configKeys);
        all.addAll(KeySet.parseFile(content, configHex));
        current = new KeySet(all);
        changes.accept();
        return true;
    }
}
