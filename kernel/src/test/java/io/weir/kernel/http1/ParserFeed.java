package io.weir.kernel.http1;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Feeds bytes to an {@link Http1Parser} the way {@code HttpConnectionManager} does (each read
 * appended with {@link Cumulation}, the parser reset after each complete message), in pieces of a
 * chosen size, and checks afterwards that every buffer it allocated was released exactly once.
 */
final class ParserFeed {
    private ParserFeed() {}

    /** How the input is cut into reads. */
    record Split(String name, long seed, int maxPiece) {
        static final Split WHOLE = new Split("whole", 0, Integer.MAX_VALUE);
        static final Split BYTE_BY_BYTE = new Split("byte-by-byte", 0, 1);

        static Split random(long seed, int maxPiece) {
            return new Split("random(" + seed + "," + maxPiece + ")", seed, maxPiece);
        }

        List<byte[]> cut(byte[] all) {
            List<byte[]> out = new ArrayList<>();
            Random r = new Random(seed);
            int i = 0;
            while (i < all.length) {
                int n = maxPiece == 1 || seed == 0 ? maxPiece : 1 + r.nextInt(maxPiece);
                n = Math.min(n, all.length - i);
                byte[] piece = new byte[n];
                System.arraycopy(all, i, piece, 0, n);
                out.add(piece);
                i += n;
            }
            return out;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** The splits every input is checked with: byte by byte and several random cuts. */
    static List<Split> splits() {
        List<Split> s = new ArrayList<>();
        s.add(Split.BYTE_BY_BYTE);
        for (long seed = 1; seed <= 12; seed++) {
            s.add(Split.random(seed, seed <= 6 ? 4 : 64));
        }
        return s;
    }

    /** Unpooled buffers that remember themselves, so a test can prove each was released. */
    static final class TrackingAllocator extends AbstractByteBufAllocator {
        private final List<ByteBuf> created = new ArrayList<>();

        TrackingAllocator() {
            super(false);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
            created.add(b);
            return b;
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity);
            created.add(b);
            return b;
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }

        void assertAllReleased() {
            for (ByteBuf b : created) {
                assertThat(b.refCnt()).as("reference count of an allocated buffer").isZero();
            }
        }
    }

    /**
     * Feeds {@code input} cut by {@code split}; when {@code closeAtEnd}, reports the peer's close
     * afterwards. Fails if any buffer is left unreleased.
     */
    static void feed(Http1Parser parser, String input, Split split, boolean closeAtEnd) {
        TrackingAllocator alloc = new TrackingAllocator();
        ByteBuf cumulation = null;
        for (byte[] piece : split.cut(input.getBytes(StandardCharsets.ISO_8859_1))) {
            ByteBuf in = alloc.heapBuffer(piece.length).writeBytes(piece);
            cumulation = Cumulation.append(alloc, cumulation, in);
            while (cumulation.isReadable() && !parser.isFailed()) {
                int before = cumulation.readableBytes();
                parser.parse(cumulation);
                if (parser.isDone()) {
                    parser.reset();
                } else if (cumulation.readableBytes() == before) {
                    break;
                }
            }
            if (!cumulation.isReadable() || parser.isFailed()) {
                cumulation.release();
                cumulation = null;
            }
            if (parser.isFailed()) {
                break;
            }
        }
        if (cumulation != null) {
            cumulation.release();
        }
        if (closeAtEnd && !parser.isFailed()) {
            parser.connectionClosed();
        }
        alloc.assertAllReleased();
    }

    /**
     * What a listener saw, one string per event. Body pieces are joined into one {@code body=}
     * event (and released), so the record does not depend on how the input was cut.
     */
    static final class Events {
        final List<String> list = new ArrayList<>();

        void add(String event) {
            list.add(event);
        }

        void body(ByteBuf data) {
            String s = data.toString(StandardCharsets.ISO_8859_1);
            data.release();
            int last = list.size() - 1;
            if (last >= 0 && list.get(last).startsWith("body=")) {
                list.set(last, list.get(last) + s);
            } else {
                list.add("body=" + s);
            }
        }
    }
}
