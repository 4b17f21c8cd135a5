package io.weir.tracing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An HPACK (RFC 7541) decoder for the answers of {@link GrpcPoster}: indexed and literal fields,
 * the dynamic table with its size updates and evictions, and Huffman-coded strings. Strings are
 * octets, kept as ISO-8859-1 text so that a string's length is its octet count. One per connection,
 * one thread at a time.
 */
final class Hpack {
    /** The static table (RFC 7541 Appendix A): name, value, for indexes 1 to 61. */
    private static final String[] STATIC = {
        ":authority", "",
        ":method", "GET",
        ":method", "POST",
        ":path", "/",
        ":path", "/index.html",
        ":scheme", "http",
        ":scheme", "https",
        ":status", "200",
        ":status", "204",
        ":status", "206",
        ":status", "304",
        ":status", "400",
        ":status", "404",
        ":status", "500",
        "accept-charset", "",
        "accept-encoding", "gzip, deflate",
        "accept-language", "",
        "accept-ranges", "",
        "accept", "",
        "access-control-allow-origin", "",
        "age", "",
        "allow", "",
        "authorization", "",
        "cache-control", "",
        "content-disposition", "",
        "content-encoding", "",
        "content-language", "",
        "content-length", "",
        "content-location", "",
        "content-range", "",
        "content-type", "",
        "cookie", "",
        "date", "",
        "etag", "",
        "expect", "",
        "expires", "",
        "from", "",
        "host", "",
        "if-match", "",
        "if-modified-since", "",
        "if-none-match", "",
        "if-range", "",
        "if-unmodified-since", "",
        "last-modified", "",
        "link", "",
        "location", "",
        "max-forwards", "",
        "proxy-authenticate", "",
        "proxy-authorization", "",
        "range", "",
        "referer", "",
        "refresh", "",
        "retry-after", "",
        "server", "",
        "set-cookie", "",
        "strict-transport-security", "",
        "transfer-encoding", "",
        "user-agent", "",
        "vary", "",
        "via", "",
        "www-authenticate", "",
    };

    private static final int STATIC_COUNT = STATIC.length / 2;

    /**
     * The Huffman code's length in bits for each symbol, 0 to 255 and EOS (256) (RFC 7541 Appendix
     * B). The code is canonical (codes of one length are consecutive, in symbol order, and shorter
     * codes come first), so the codes themselves follow from the lengths.
     */
    private static final byte[] CODE_LENGTHS = {
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
        28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
        5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
        7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
        6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
        24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
        21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
        19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
        26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
        30,
    };

    private static final int EOS = 256;

    /**
     * The decoding tree: node n's children at {@code TREE[2n]} (bit 0) and {@code TREE[2n+1]}; a
     * leaf is {@code -1 - symbol}.
     */
    private static final int[] TREE = buildTree();

    private static int[] buildTree() {
        Integer[] order = new Integer[257];
        for (int i = 0; i < 257; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(
                order,
                (a, b) ->
                        CODE_LENGTHS[a] != CODE_LENGTHS[b]
                                ? CODE_LENGTHS[a] - CODE_LENGTHS[b]
                                : a - b);
        int[] tree = new int[2 * 2 * 257];
        int nodes = 1;
        long code = 0;
        int prevLen = CODE_LENGTHS[order[0]];
        for (int k = 0; k < 257; k++) {
            int sym = order[k];
            int len = CODE_LENGTHS[sym];
            if (k > 0) {
                code = (code + 1) << (len - prevLen);
            }
            prevLen = len;
            int node = 0;
            for (int bit = len - 1; bit >= 0; bit--) {
                int slot = 2 * node + (int) ((code >>> bit) & 1);
                if (bit == 0) {
                    tree[slot] = -1 - sym;
                } else {
                    if (tree[slot] == 0) {
                        tree[slot] = nodes++;
                    }
                    node = tree[slot];
                }
            }
        }
        return tree;
    }

    /** Dynamic table entries, oldest first: index 62 is the last one. */
    private final List<String[]> dynamic = new ArrayList<>();

    private int size;
    private int maxSize;
    private final int limit;

    /** A decoder whose table may grow to {@code limit} octets (our SETTINGS_HEADER_TABLE_SIZE). */
    Hpack(int limit) {
        this.limit = limit;
        this.maxSize = limit;
    }

    /** A malformed header block: a connection error (COMPRESSION_ERROR). */
    static final class HpackException extends IOException {
        HpackException(String message) {
            super("HPACK: " + message);
        }
    }

    /** Decodes one header block, appending name, value, name, value, ... to {@code out}. */
    void decode(byte[] b, int off, int len, List<String> out) throws HpackException {
        int[] pos = {off};
        int end = off + len;
        boolean fieldSeen = false;
        while (pos[0] < end) {
            int first = b[pos[0]] & 0xff;
            if ((first & 0x80) != 0) { // indexed field
                int index = integer(b, pos, end, 7);
                out.add(name(index));
                out.add(value(index));
                fieldSeen = true;
            } else if ((first & 0xe0) == 0x20) { // dynamic table size update
                if (fieldSeen) {
                    throw new HpackException("table size update after a field");
                }
                int n = integer(b, pos, end, 5);
                if (n > limit) {
                    throw new HpackException("table size " + n + " over " + limit);
                }
                maxSize = n;
                evict(0);
            } else {
                boolean indexing = (first & 0xc0) == 0x40;
                int index = integer(b, pos, end, indexing ? 6 : 4);
                String name = index == 0 ? string(b, pos, end) : name(index);
                String value = string(b, pos, end);
                out.add(name);
                out.add(value);
                if (indexing) {
                    add(name, value);
                }
                fieldSeen = true;
            }
        }
    }

    private String name(int index) throws HpackException {
        return entry(index)[0];
    }

    private String value(int index) throws HpackException {
        return entry(index)[1];
    }

    private String[] entry(int index) throws HpackException {
        if (index >= 1 && index <= STATIC_COUNT) {
            return new String[] {STATIC[2 * index - 2], STATIC[2 * index - 1]};
        }
        int d = index - STATIC_COUNT;
        if (index < 1 || d > dynamic.size()) {
            throw new HpackException("no entry " + index);
        }
        return dynamic.get(dynamic.size() - d);
    }

    private void add(String name, String value) {
        int entrySize = name.length() + value.length() + 32;
        if (entrySize > maxSize) {
            dynamic.clear(); // an entry larger than the table empties it (RFC 7541 4.4)
            size = 0;
            return;
        }
        evict(entrySize);
        dynamic.add(new String[] {name, value});
        size += entrySize;
    }

    /** Evicts the oldest entries until {@code room} more octets fit. */
    private void evict(int room) {
        int k = 0;
        while (size + room > maxSize && k < dynamic.size()) {
            String[] e = dynamic.get(k++);
            size -= e[0].length() + e[1].length() + 32;
        }
        dynamic.subList(0, k).clear();
    }

    /** Table size in octets (for tests). */
    int tableSize() {
        return size;
    }

    /** An integer with an {@code n}-bit prefix (RFC 7541 5.1). */
    private static int integer(byte[] b, int[] pos, int end, int n) throws HpackException {
        int max = (1 << n) - 1;
        int v = b[pos[0]++] & max;
        if (v < max) {
            return v;
        }
        int shift = 0;
        while (true) {
            if (pos[0] >= end) {
                throw new HpackException("integer cut short");
            }
            int c = b[pos[0]++] & 0xff;
            if (shift > 21) {
                throw new HpackException("integer too large");
            }
            v += (c & 0x7f) << shift;
            if ((c & 0x80) == 0) {
                return v;
            }
            shift += 7;
        }
    }

    /** A string literal (RFC 7541 5.2). */
    private static String string(byte[] b, int[] pos, int end) throws HpackException {
        if (pos[0] >= end) {
            throw new HpackException("string cut short");
        }
        boolean huffman = (b[pos[0]] & 0x80) != 0;
        int len = integer(b, pos, end, 7);
        if (len > end - pos[0]) {
            throw new HpackException("string of " + len + " octets past the block");
        }
        int at = pos[0];
        pos[0] += len;
        if (!huffman) {
            return new String(b, at, len, StandardCharsets.ISO_8859_1);
        }
        return huffman(b, at, len);
    }

    /**
     * Decodes a Huffman-coded string; the padding must be at most 7 bits of EOS's first bits (all
     * ones).
     */
    static String huffman(byte[] b, int off, int len) throws HpackException {
        StringBuilder s = new StringBuilder(len + (len >> 1));
        int node = 0;
        int depth = 0; // bits since the last symbol
        boolean allOnes = true;
        for (int i = off; i < off + len; i++) {
            int c = b[i] & 0xff;
            for (int bit = 7; bit >= 0; bit--) {
                int v = (c >>> bit) & 1;
                int next = TREE[2 * node + v];
                depth++;
                allOnes &= v == 1;
                if (next < 0) {
                    int sym = -1 - next;
                    if (sym == EOS) {
                        throw new HpackException("EOS in a Huffman string");
                    }
                    s.append((char) sym);
                    node = 0;
                    depth = 0;
                    allOnes = true;
                } else {
                    node = next;
                }
            }
        }
        if (depth > 7 || !allOnes) {
            throw new HpackException("bad Huffman padding");
        }
        return s.toString();
    }
}
