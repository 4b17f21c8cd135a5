package io.weir.tracing;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.weir.spi.tracing.SpanKind;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes an OTLP {@code ExportTraceServiceRequest} (protobuf, opentelemetry-proto {@code
 * collector/trace/v1}) straight from {@link RecordedSpan}s into one reused byte array: one
 * resource, one scope, the spans. The resource and scope are encoded once; each attribute key's
 * field is encoded once and copied. A nested message's length is written into a 5-byte slot
 * reserved before it and the message moved back over the unused bytes, so each span is written in
 * one pass.
 *
 * <p>Field numbers (opentelemetry-proto 1.x): request 1 = ResourceSpans; ResourceSpans 1 =
 * resource, 2 = ScopeSpans; ScopeSpans 1 = scope, 2 = Span; Span 1 trace_id, 2 span_id, 3
 * trace_state, 4 parent_span_id, 5 name, 6 kind, 7 start (fixed64), 8 end (fixed64), 9 attributes,
 * 10 dropped_attributes_count, 15 status, 16 flags (fixed32); Status 2 message, 3 code; KeyValue 1
 * key, 2 value; AnyValue 1 string, 2 bool, 3 int, 4 double.
 *
 * <p>Threading: one instance per exporter, used by the export thread only, and one per worker
 * thread for its span blocks ({@link #forBlocks}).
 */
final class OtlpEncoder {
    // span flags: the sampled trace flag, and "the parent's is-remote bit is known" (+ its value)
    private static final int FLAG_SAMPLED = 0x01;
    private static final int FLAG_HAS_IS_REMOTE = 0x100;
    private static final int FLAG_IS_REMOTE = 0x200;
    private static final byte[] FORCED_ATTRIBUTE;

    private static final ConcurrentHashMap<String, byte[]> KEY_FIELDS = new ConcurrentHashMap<>();

    static {
        OtlpEncoder e = new OtlpEncoder(new byte[0], new byte[0]);
        e.keyValue(keyField("weir.force_sampled"), true);
        FORCED_ATTRIBUTE = Arrays.copyOf(e.buf, e.pos);
    }

    private final byte[] resource;
    private final byte[] scope;
    private byte[] buf;
    private int pos;

    OtlpEncoder(Resource resource, InstrumentationScopeInfo scope) {
        this(encodeResource(resource.getAttributes()), encodeScope(scope));
    }

    private OtlpEncoder(byte[] resource, byte[] scope) {
        this(resource, scope, 64 * 1024);
    }

    private OtlpEncoder(byte[] resource, byte[] scope, int capacity) {
        this.resource = resource;
        this.scope = scope;
        this.buf = new byte[capacity];
    }

    /**
     * An encoder for one worker's {@link SpanBlock}s: {@link #appendSpan} writes each span it ends
     * into one growing buffer, while the span's fields are still in that core's cache, and the
     * pipeline takes the buffer whole ({@link #takeBuffer}). The export thread then copies a few
     * contiguous blocks instead of reading a span and its bytes back per span.
     */
    static OtlpEncoder forBlocks(int capacity) {
        return new OtlpEncoder(new byte[0], new byte[0], capacity);
    }

    /** Appends {@code s} as one {@code ScopeSpans.spans} field: tag, length, Span. */
    void appendSpan(RecordedSpan s) {
        tag(2, 2);
        ensure(2);
        int slot = pos;
        pos += 2; // a span's length takes two bytes (128 .. 16383): no move after it, mostly
        span(s);
        int len = pos - slot - 2;
        int k = varintSize(len);
        if (k != 2) {
            ensure(k - 2);
            System.arraycopy(buf, slot + 2, buf, slot + k, len);
        }
        pos = slot;
        varint(len);
        pos = slot + k + len;
    }

    /**
     * Hands over the buffer with what was appended ({@link #length} bytes); goes on in {@code
     * fresh}.
     */
    byte[] takeBuffer(byte[] fresh) {
        byte[] b = buf;
        buf = fresh;
        pos = 0;
        return b;
    }

    /**
     * Encodes one request holding the spans of {@code blocks}, in order. The nested lengths are
     * known from the blocks' lengths, so the header is written first and each block copied once.
     */
    void encodeBlocks(List<SpanBlock> blocks) {
        encodeEnvelope(blocks);
        for (SpanBlock b : blocks) {
            System.arraycopy(b.bytes(), 0, buf, pos, b.length());
            pos += b.length();
        }
    }

    /**
     * Encodes the start of one request holding the spans of {@code blocks}: everything before their
     * bytes ({@link #length} bytes of {@link #buffer}), so that a sender can write the blocks from
     * where they are. Room for the blocks is reserved after it, for {@link #encodeBlocks}.
     */
    void encodeEnvelope(List<SpanBlock> blocks) {
        long spans = 0;
        for (SpanBlock b : blocks) {
            spans += b.length();
        }
        long scopeSpans = 1 + varintSize(scope.length) + scope.length + spans;
        long resourceSpans =
                1
                        + varintSize(resource.length)
                        + resource.length
                        + 1
                        + varintSize(scopeSpans)
                        + scopeSpans;
        long total = 1 + varintSize(resourceSpans) + resourceSpans;
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("export request over 2 GiB");
        }
        pos = 0;
        ensure((int) total);
        tag(1, 2);
        varint(resourceSpans);
        tag(1, 2);
        bytes(resource);
        tag(2, 2);
        varint(scopeSpans);
        tag(1, 2);
        bytes(scope);
    }

    /** The encoded request; valid until the next call. */
    byte[] buffer() {
        return buf;
    }

    /** The length of the last encoded request. */
    int length() {
        return pos;
    }

    /**
     * Encodes one request holding {@code spans} (every one a {@link RecordedSpan}): the spans as
     * one block, then the request around it ({@link #encodeBlocks}).
     */
    void encode(Collection<?> spans) {
        pos = 0;
        for (Object o : spans) {
            appendSpan((RecordedSpan) o);
        }
        int len = pos;
        byte[] block = takeBuffer(new byte[buf.length]);
        encodeBlocks(List.of(new SpanBlock(block, len, spans.size())));
    }

    private void span(RecordedSpan s) {
        SpanKind kind = s.kind();
        tag(1, 2);
        varint(16);
        fixed64BigEndian(s.traceHi);
        fixed64BigEndian(s.traceLo);
        tag(2, 2);
        varint(8);
        fixed64BigEndian(s.spanId);
        if (s.traceState != null) {
            tag(3, 2);
            string(s.traceState);
        }
        if (s.parentSpanId != 0) {
            tag(4, 2);
            varint(8);
            fixed64BigEndian(s.parentSpanId);
        }
        tag(5, 2);
        Section sec = sections[kind.ordinal()];
        String name = s.name();
        if (name != sec.name) { // spans of a kind mostly share their name's String
            sec.name = name;
            sec.nameBytes = name.getBytes(StandardCharsets.UTF_8);
        }
        bytes(sec.nameBytes);
        tag(6, 0);
        varint(
                switch (kind) {
                    case INTERNAL -> 1;
                    case SERVER -> 2;
                    case CLIENT -> 3;
                });
        tag(7, 1);
        fixed64(s.startNanos());
        tag(8, 1);
        fixed64(s.endNanos());
        attributes(s, sec);
        if (s.forced) {
            bytesRaw(FORCED_ATTRIBUTE);
        }
        int dropped = s.droppedAttributes();
        if (dropped > 0) {
            tag(10, 0);
            varint(dropped);
        }
        if (s.isError()) {
            tag(15, 2);
            int st = begin();
            String m = s.errorDescription();
            if (m != null && !m.isEmpty()) {
                tag(2, 2);
                string(m);
            }
            tag(3, 0);
            varint(2); // STATUS_CODE_ERROR
            end(st);
        }
        tag(16, 5);
        fixed32(FLAG_SAMPLED | FLAG_HAS_IS_REMOTE | (s.parentRemote ? FLAG_IS_REMOTE : 0));
    }

    // ---- attributes ----

    /**
     * The attributes of the last span of one kind, as encoded (Span field 9 each, back to back).
     * Spans of one kind set the same keys in the same order, and most values repeat request after
     * request: the same String instances (the method, the route and cluster names, a connection's
     * addresses), equal Strings parsed anew from each request (a path, a user agent), or the same
     * number (a status, a port); so most of a span's attributes are copied from here in a few runs.
     * Kept in a few flat arrays rather than an object per attribute: the worker's request
     * processing evicts it from the cache between two spans, and fewer cache lines are fetched
     * back.
     */
    private static final class Section {
        final String[] keys = new String[RecordedSpan.MAX_ATTRIBUTES];
        final String[] strings = new String[RecordedSpan.MAX_ATTRIBUTES];
        final long[] numbers = new long[RecordedSpan.MAX_ATTRIBUTES];
        final byte[][] keyFields = new byte[RecordedSpan.MAX_ATTRIBUTES][];

        /**
         * The length of string attribute i when it was ASCII, else -1: its value is then the last
         * that many bytes of the attribute in {@link #bytes}, and a new value is compared with
         * those rather than with the last span's String, which is usually out of the cache by now.
         */
        final int[] asciiLens = new int[RecordedSpan.MAX_ATTRIBUTES];

        int[] ends = new int[RecordedSpan.MAX_ATTRIBUTES]; // where attribute i ends in bytes
        byte[] bytes = new byte[512];
        int count;
        String name; // the last span's name, and its UTF-8
        byte[] nameBytes;
    }

    // per span kind: INTERNAL, SERVER, CLIENT
    private final Section[] sections = {new Section(), new Section(), new Section()};
    private int[] spareEnds = new int[RecordedSpan.MAX_ATTRIBUTES];

    /** Writes the attributes of {@code s}, copying what repeats from {@code c}, then updates it. */
    private void attributes(RecordedSpan s, Section c) {
        int n = s.attributeCount();
        int base = pos;
        int[] ends = spareEnds;
        int runFrom = 0; // a run of repeated attributes still to copy: c.bytes[runFrom, runTo)
        int runTo = 0;
        int prefix = 0; // bytes the same as c.bytes from the start: no need to copy them back
        boolean diverged = false;
        for (int i = 0; i < n; i++) {
            String key = s.attributeKey(i);
            String string = s.stringValue(i);
            long number = s.longValue(i);
            boolean sameKey = i < c.count && c.keys[i] == key;
            if (sameKey
                    && (string != null
                            ? sameString(c, i, string)
                            : c.strings[i] == null && c.numbers[i] == number)) {
                int from = i == 0 ? 0 : c.ends[i - 1];
                if (!diverged) {
                    prefix = c.ends[i];
                }
                if (from != runTo) {
                    copy(c.bytes, runFrom, runTo);
                    runFrom = from;
                }
                runTo = c.ends[i];
            } else {
                diverged = true;
                copy(c.bytes, runFrom, runTo);
                runFrom = runTo = 0;
                byte[] k = sameKey ? c.keyFields[i] : keyField(key);
                if (string != null) {
                    c.asciiLens[i] = keyValue(k, string) ? string.length() : -1;
                } else {
                    keyValue(k, number);
                    c.asciiLens[i] = -1;
                }
                c.keys[i] = key; // index i is not read again for this span
                c.strings[i] = string;
                c.numbers[i] = number;
                c.keyFields[i] = k;
            }
            ends[i] = pos - base + (runTo - runFrom); // the pending run is not written yet
        }
        copy(c.bytes, runFrom, runTo);
        int len = pos - base;
        if (c.bytes.length < len) {
            byte[] grown = new byte[Math.max(len, c.bytes.length * 2)];
            System.arraycopy(c.bytes, 0, grown, 0, prefix);
            c.bytes = grown;
        }
        System.arraycopy(buf, base + prefix, c.bytes, prefix, len - prefix);
        spareEnds = c.ends;
        c.ends = ends;
        c.count = n;
    }

    /**
     * Whether {@code v} equals the last span's string attribute {@code i} of {@code c} (its key the
     * same). The same instance (a method, a route or cluster name, a connection's address) is a
     * reference compare; an equal String parsed anew (a path) is compared char by char with the
     * value's bytes in {@code c.bytes}, which the encoder reads anyway: {@code String.equals}
     * against the last span's String showed in profiles at about 20 ns a call, for fetching that
     * String and its array back from memory.
     */
    private static boolean sameString(Section c, int i, String v) {
        String old = c.strings[i];
        if (v == old) {
            return true;
        }
        if (old == null) {
            return false;
        }
        int n = c.asciiLens[i];
        if (n < 0) {
            return v.equals(old); // not ASCII: rare
        }
        if (v.length() != n) {
            return false; // an ASCII string of another length
        }
        byte[] b = c.bytes;
        int at = c.ends[i] - n;
        for (int j = 0; j < n; j++) {
            char ch = v.charAt(j);
            if (ch >= 0x80 || (byte) ch != b[at + j]) {
                return false;
            }
        }
        return true;
    }

    private void copy(byte[] from, int start, int end) {
        int len = end - start;
        if (len > 0) {
            ensure(len);
            System.arraycopy(from, start, buf, pos, len);
            pos += len;
        }
    }

    /** The encoded {@code key} field of a KeyValue (tag, length, UTF-8), made once per name. */
    static byte[] keyField(String key) {
        byte[] f = KEY_FIELDS.get(key);
        if (f == null) {
            byte[] k = key.getBytes(StandardCharsets.UTF_8);
            OtlpEncoder e = new OtlpEncoder(new byte[0], new byte[0]);
            e.tag(1, 2);
            e.varint(k.length);
            e.bytesRaw(k);
            f = Arrays.copyOf(e.buf, e.pos);
            if (KEY_FIELDS.size() < 256) { // the kernel's names; bounded all the same
                KEY_FIELDS.putIfAbsent(key, f);
            }
        }
        return f;
    }

    /** Writes a string attribute; returns whether it was ASCII (then its length is its size). */
    private boolean keyValue(byte[] key, String v) {
        // ASCII (almost every value) is written char by char, with no byte[] made for it
        int n = v.length();
        int start = pos;
        keyValueHead(key, 1 + varintSize(n) + n);
        buf[pos++] = (1 << 3) | 2;
        varint(n);
        byte[] b = buf;
        int at = pos;
        for (int i = 0; i < n; i++) {
            char c = v.charAt(i);
            if (c >= 0x80) {
                pos = start;
                keyValueUtf8(key, v);
                return false;
            }
            b[at + i] = (byte) c;
        }
        pos = at + n;
        return true;
    }

    private void keyValueUtf8(byte[] key, String v) {
        byte[] b = v.getBytes(StandardCharsets.UTF_8);
        int n = b.length;
        keyValueHead(key, 1 + varintSize(n) + n);
        buf[pos++] = (1 << 3) | 2;
        varint(n);
        System.arraycopy(b, 0, buf, pos, n);
        pos += n;
    }

    private void keyValue(byte[] key, long v) {
        keyValueHead(key, 1 + varintSize(v));
        buf[pos++] = (3 << 3) | 0;
        varint(v);
    }

    /**
     * A KeyValue (Span field 9) up to its AnyValue's contents: the lengths computed first, so it is
     * written in one pass; makes room for the {@code any} bytes of the AnyValue that follow.
     */
    private void keyValueHead(byte[] key, int any) {
        int kvLen = key.length + 1 + varintSize(any) + any;
        ensure(2 + 5 + kvLen);
        buf[pos++] = (9 << 3) | 2;
        varint(kvLen);
        System.arraycopy(key, 0, buf, pos, key.length);
        pos += key.length;
        buf[pos++] = (2 << 3) | 2;
        varint(any);
    }

    private void keyValue(byte[] key, boolean v) {
        tag(9, 2);
        int kv = begin();
        bytesRaw(key);
        tag(2, 2);
        int av = begin();
        tag(2, 0);
        varint(v ? 1 : 0);
        end(av);
        end(kv);
    }

    private void keyValue(byte[] key, double v) {
        tag(9, 2);
        int kv = begin();
        bytesRaw(key);
        tag(2, 2);
        int av = begin();
        tag(4, 1);
        fixed64(Double.doubleToRawLongBits(v));
        end(av);
        end(kv);
    }

    /** Resource { repeated KeyValue attributes = 1 }: the same KeyValue as a span's, field 1. */
    private static byte[] encodeResource(Attributes attributes) {
        OtlpEncoder e = new OtlpEncoder(new byte[0], new byte[0]);
        attributes.forEach(
                (k, v) -> {
                    byte[] key = keyField(k.getKey());
                    int at = e.pos;
                    if (v instanceof Boolean b) {
                        e.keyValue(key, b);
                    } else if (v instanceof Long l) {
                        e.keyValue(key, l);
                    } else if (v instanceof Double d) {
                        e.keyValue(key, d);
                    } else {
                        e.keyValue(key, String.valueOf(v));
                    }
                    e.buf[at] = (byte) ((1 << 3) | 2); // field 1 of Resource, not 9 of Span
                });
        return Arrays.copyOf(e.buf, e.pos);
    }

    /** InstrumentationScope { name = 1; version = 2 }. */
    private static byte[] encodeScope(InstrumentationScopeInfo scope) {
        OtlpEncoder e = new OtlpEncoder(new byte[0], new byte[0]);
        e.tag(1, 2);
        e.string(scope.getName());
        if (scope.getVersion() != null) {
            e.tag(2, 2);
            e.string(scope.getVersion());
        }
        return Arrays.copyOf(e.buf, e.pos);
    }

    // ---- wire format ----

    private void ensure(int n) {
        if (pos + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }
    }

    /**
     * Field {@code field} with wire type {@code type} (0 varint, 1 fixed64, 2 bytes, 5 fixed32).
     */
    private void tag(int field, int type) {
        varint((field << 3) | type);
    }

    private void varint(long v) {
        if ((v & ~0x7FL) == 0) {
            ensure(1);
            buf[pos++] = (byte) v;
            return;
        }
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
    }

    private void fixed64(long v) {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            buf[pos++] = (byte) v;
            v >>>= 8;
        }
    }

    private void fixed32(int v) {
        ensure(4);
        for (int i = 0; i < 4; i++) {
            buf[pos++] = (byte) v;
            v >>>= 8;
        }
    }

    /** An id's 8 bytes, most significant first (the order of its hex form). */
    private void fixed64BigEndian(long v) {
        ensure(8);
        for (int i = 56; i >= 0; i -= 8) {
            buf[pos++] = (byte) (v >>> i);
        }
    }

    private void bytes(byte[] b) {
        varint(b.length);
        bytesRaw(b);
    }

    private void bytesRaw(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, pos, b.length);
        pos += b.length;
    }

    /** A length-prefixed UTF-8 string. */
    private void string(String s) {
        bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Reserves a 5-byte length slot for a nested message and returns where it is. */
    private int begin() {
        ensure(5);
        int slot = pos;
        pos += 5;
        return slot;
    }

    /** Writes the length of the message begun at {@code slot} and closes the unused bytes. */
    private void end(int slot) {
        int len = pos - slot - 5;
        int k = varintSize(len);
        int at = pos;
        pos = slot;
        varint(len);
        if (k < 5) {
            System.arraycopy(buf, slot + 5, buf, slot + k, len);
        }
        pos = at - (5 - k);
    }

    private static int varintSize(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            n++;
            v >>>= 7;
        }
        return n;
    }
}
