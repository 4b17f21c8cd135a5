package io.weir.kernel.testing;

import static org.assertj.core.api.Assertions.fail;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty's leak detector reports a {@code ByteBuf} that was garbage
 * collected without being released while the class ran. Use it with
 * {@code @ExtendWith(NettyLeakCheck.class)}.
 *
 * <p>How: a {@link ResourceLeakDetector.LeakListener} is set on the detector every Netty buffer
 * allocator uses ({@code AbstractByteBuf.leakDetector}, read by reflection). A leak is only
 * reported once the leaked buffer has been collected and a later allocation polls the detector's
 * reference queue, so after the class (servers closed, buffers unreachable) {@link #collect()} runs
 * the GC, waits on a sentinel weak reference (no sleeping) and allocates a few buffers. The level
 * is raised to {@code PARANOID} if it is lower, so every buffer is tracked.
 */
public final class NettyLeakCheck implements BeforeAllCallback, AfterAllCallback {
    private static final Queue<String> LEAKS = new ConcurrentLinkedQueue<>();

    static {
        if (ResourceLeakDetector.getLevel().ordinal()
                < ResourceLeakDetector.Level.PARANOID.ordinal()) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        }
        try {
            Field f = AbstractByteBuf.class.getDeclaredField("leakDetector");
            f.setAccessible(true);
            ResourceLeakDetector<?> detector = (ResourceLeakDetector<?>) f.get(null);
            detector.setLeakListener((type, records) -> LEAKS.add(type + " leaked:" + records));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        // leaks of earlier classes in this JVM are theirs, not ours
        collect();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        List<String> leaks = collect();
        if (!leaks.isEmpty()) {
            fail(
                    "%d ByteBuf leak(s) reported by Netty's leak detector:%n%s",
                    leaks.size(), String.join("\n\n", leaks));
        }
    }

    /**
     * Collects unreachable buffers, lets the detector report them, and returns (and forgets) the
     * leaks reported since the last call.
     */
    public static List<String> collect() {
        for (int round = 0; round < 3; round++) {
            ReferenceQueue<Object> q = new ReferenceQueue<>();
            WeakReference<Object> sentinel = new WeakReference<>(new Object(), q);
            System.gc();
            try {
                // the reference handler enqueues what this GC found; the sentinel goes with it
                q.remove(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            sentinel.clear();
            // the detector polls its queue when it tracks a new buffer
            for (int i = 0; i < 4; i++) {
                ByteBufAllocator.DEFAULT.directBuffer(8).release();
                ByteBufAllocator.DEFAULT.heapBuffer(8).release();
            }
        }
        List<String> out = new ArrayList<>();
        String s;
        while ((s = LEAKS.poll()) != null) {
            out.add(s);
        }
        return out;
    }
}
