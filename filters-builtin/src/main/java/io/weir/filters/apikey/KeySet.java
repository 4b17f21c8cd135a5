package io.weir.filters.apikey;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * The SHA-256 hashes of the accepted API keys and their consumers. Immutable and thread-safe.
 *
 * <p>{@link #match} compares a presented key's hash with <b>every</b> hash with {@link
 * MessageDigest#isEqual} and never stops early, so its time depends only on how many keys there
 * are, not on which (or whether one) matched nor on how many leading bytes agree.
 */
final class KeySet {
    /** A consumer name: what goes into a header value, without spaces or colons. */
    static final Pattern CONSUMER = Pattern.compile("[\\x21-\\x39\\x3b-\\x7e]{1,128}");

    private static final Pattern HEX64 = Pattern.compile("[0-9a-fA-F]{64}");

    /** One accepted key. */
    record Entry(String consumer, byte[] sha256) {}

    static final KeySet EMPTY = new KeySet(List.of());

    private final String[] consumers;
    private final byte[][] hashes;

    KeySet(List<Entry> entries) {
        consumers = new String[entries.size()];
        hashes = new byte[entries.size()][];
        for (int i = 0; i < entries.size(); i++) {
            consumers[i] = entries.get(i).consumer();
            hashes[i] = entries.get(i).sha256().clone();
        }
    }

    int size() {
        return hashes.length;
    }

    /** Counts the hash comparisons made by {@link #match}; a test seam. */
    final LongAdder comparisons = new LongAdder();

    /**
     * The consumer whose key hashes to {@code presentedSha256}, or null: every configured hash is
     * compared in constant time, without an early exit.
     */
    String match(byte[] presentedSha256) {
        int found = -1;
        int compared = 0;
        for (int i = 0; i < hashes.length; i++) {
            boolean eq = MessageDigest.isEqual(hashes[i], presentedSha256);
            found = eq && found < 0 ? i : found;
            compared++;
        }
        comparisons.add(compared);
        return found < 0 ? null : consumers[found];
    }

    /** One digest per thread: getInstance looks the provider up each time (the hot path). */
    private static final ThreadLocal<MessageDigest> SHA256 =
            ThreadLocal.withInitial(
                    () -> {
                        try {
                            return MessageDigest.getInstance("SHA-256");
                        } catch (NoSuchAlgorithmException e) {
                            throw new IllegalStateException("the JDK has no SHA-256", e);
                        }
                    });

    /** The SHA-256 of the UTF-8 bytes of {@code key}. */
    static byte[] sha256(String key) {
        return SHA256.get().digest(key.getBytes(StandardCharsets.UTF_8)); // digest() resets it
    }

    /** Whether {@code s} is 64 hex characters. */
    static boolean isHex64(String s) {
        return s != null && HEX64.matcher(s).matches();
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.toLowerCase(java.util.Locale.ROOT));
    }

    /** A keys file line is wrong; the message never contains the line's text. */
    static final class ParseError extends Exception {
        private static final long serialVersionUID = 1L;
        final int line;

        ParseError(int line, String message) {
            super("line " + line + ": " + message);
            this.line = line;
        }
    }

    /**
     * Parses a keys file: lines {@code consumer:sha256hex}; blank lines and lines starting with
     * {@code #} are skipped; spaces around either part are ignored. Error messages name the line
     * number and never its text (a line could hold a key pasted by mistake). A hash already in
     * {@code known} (lower-case hex of the config's keys) or repeated in the file is an error.
     */
    static List<Entry> parseFile(byte[] content, Set<String> known) throws ParseError {
        Set<String> seen = new HashSet<>(known);
        String text = new String(content, StandardCharsets.UTF_8);
        List<Entry> out = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                throw new ParseError(i + 1, "expected consumer:sha256hex (the line is not shown)");
            }
            String consumer = line.substring(0, colon).strip();
            String hash = line.substring(colon + 1).strip();
            if (!CONSUMER.matcher(consumer).matches()) {
                throw new ParseError(
                        i + 1,
                        "the consumer must be 1 to 128 visible ASCII characters without ':'");
            }
            if (!isHex64(hash)) {
                throw new ParseError(
                        i + 1,
                        "the sha256 must be 64 hex characters (was "
                                + hash.length()
                                + " characters; the value is not shown)");
            }
            if (!seen.add(hash.toLowerCase(java.util.Locale.ROOT))) {
                throw new ParseError(i + 1, "this sha256 is already listed (each key once)");
            }
            out.add(new Entry(consumer, hex(hash)));
        }
        return out;
    }
}
