package io.weir.filters.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.spi.StreamContext;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The VM's stream table: a stream whose context has ended is never answered, and its ring slot and
 * map entry go to the next streams, so modules without {@code proxy_on_done}/{@code
 * proxy_on_delete} (no {@code onDestroy} to remove their streams) leave nothing behind.
 */
class StreamTableTest {
    /** A stream whose context reports {@code ended()} from {@code ended}. */
    private static WasmStream stream(int id, AtomicBoolean ended) {
        StreamContext ctx =
                (StreamContext)
                        Proxy.newProxyInstance(
                                StreamContext.class.getClassLoader(),
                                new Class<?>[] {StreamContext.class},
                                (p, m, a) -> {
                                    if (m.getName().equals("ended")) {
                                        return ended.get();
                                    }
                                    throw new UnsupportedOperationException(m.getName());
                                });
        return new WasmStream(null, null, ctx, id);
    }

    @Test
    void anEndedStreamIsNotFoundAndItsSlotGoesToTheNextStream() {
        StreamTable t = new StreamTable();
        AtomicBoolean firstEnded = new AtomicBoolean();
        WasmStream first = stream(7, firstEnded);
        t.put(7, first);
        assertThat(t.get(7)).isSameAs(first);
        assertThat(t.size()).isEqualTo(1);

        firstEnded.set(true); // the kernel ended the context; nobody called remove
        assertThat(t.get(7)).isNull();
        assertThat(t.size()).isZero();

        int sameSlot = 7 + StreamTable.RING;
        WasmStream next = stream(sameSlot, new AtomicBoolean());
        t.put(sameSlot, next);
        assertThat(t.overflowSize()).isZero(); // the stale one gave up its slot
        assertThat(t.get(sameSlot)).isSameAs(next);
        assertThat(t.get(7)).isNull();
    }

    @Test
    void aLiveStreamKeepsItsSlotAndEndedOnesLeaveTheMap() {
        StreamTable t = new StreamTable();
        WasmStream held = stream(3, new AtomicBoolean()); // in flight for long
        t.put(3, held);
        AtomicBoolean[] ended = new AtomicBoolean[3];
        for (int k = 1; k <= 3; k++) {
            ended[k - 1] = new AtomicBoolean();
            int id = 3 + k * StreamTable.RING;
            t.put(id, stream(id, ended[k - 1]));
        }
        assertThat(t.overflowSize()).isEqualTo(3);
        assertThat(t.get(3)).isSameAs(held);
        assertThat(t.get(3 + 2 * StreamTable.RING)).isNotNull();

        ended[0].set(true);
        ended[1].set(true);
        assertThat(t.get(3 + StreamTable.RING)).isNull();
        assertThat(t.size()).isEqualTo(2);

        int id = 3 + 4 * StreamTable.RING;
        t.put(id, stream(id, new AtomicBoolean())); // the ended two are dropped on the way in
        assertThat(t.overflowSize()).isEqualTo(2);
        assertThat(t.get(id)).isNotNull();
        assertThat(t.get(3 + 3 * StreamTable.RING)).isNotNull();
        assertThat(t.size()).isEqualTo(3);
    }
}
