package io.weir.kernel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.weir.kernel.testing.NettyLeakCheck;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Proves that the leak check the integration tests rely on really sees a leaked buffer. */
class NettyLeakCheckTest {
    @Test
    void reportsABufferCollectedWithoutRelease() {
        NettyLeakCheck.collect();
        leakOne();
        List<String> leaks = NettyLeakCheck.collect();
        assertThat(leaks).hasSize(1);
        assertThat(leaks.get(0)).startsWith("ByteBuf leaked:").contains("leakOne");
    }

    @Test
    void reportsNothingForReleasedBuffers() {
        NettyLeakCheck.collect();
        ByteBuf b = ByteBufAllocator.DEFAULT.directBuffer(64);
        b.writeLong(1).release();
        assertThat(NettyLeakCheck.collect()).isEmpty();
    }

    private static void leakOne() {
        ByteBuf b = ByteBufAllocator.DEFAULT.directBuffer(64);
        b.writeLong(42);
    }
}
