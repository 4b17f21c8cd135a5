package io.weir.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TraceIdsTest {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN = "00f067aa0ba902b7";

    @Test
    void readsAValidTraceparentWithItsSampledFlagAndTracestate() {
        TraceIds.Parent p =
                TraceIds.parseTraceparent("00-" + TRACE + "-" + SPAN + "-01", "a=1,b=2");
        assertThat(p).isNotNull();
        assertThat(TraceIds.hex(p.traceHi(), p.traceLo())).isEqualTo(TRACE);
        assertThat(TraceIds.hex(p.spanId())).isEqualTo(SPAN);
        assertThat(p.sampled()).isTrue();
        assertThat(p.traceState()).isEqualTo("a=1,b=2");
        TraceIds.Parent q = TraceIds.parseTraceparent("00-" + TRACE + "-" + SPAN + "-00", "");
        assertThat(q.sampled()).isFalse();
        assertThat(q.traceState()).isNull();
        // other flag bits do not mean sampled
        assertThat(TraceIds.parseTraceparent("00-" + TRACE + "-" + SPAN + "-02", null).sampled())
                .isFalse();
    }

    @Test
    void refusesWhatTheW3cRulesRefuse() {
        assertThat(TraceIds.parseTraceparent(null, null)).isNull();
        assertThat(TraceIds.parseTraceparent("", null)).isNull();
        assertThat(TraceIds.parseTraceparent("ff-" + TRACE + "-" + SPAN + "-01", null)).isNull();
        assertThat(
                        TraceIds.parseTraceparent(
                                "00-" + TRACE.toUpperCase() + "-" + SPAN + "-01", null))
                .isNull();
        assertThat(TraceIds.parseTraceparent("00-" + "0".repeat(32) + "-" + SPAN + "-01", null))
                .isNull();
        assertThat(TraceIds.parseTraceparent("00-" + TRACE + "-" + "0".repeat(16) + "-01", null))
                .isNull();
        assertThat(TraceIds.parseTraceparent("00-" + TRACE + "-" + SPAN + "-01-extra", null))
                .isNull(); // version 00 is exactly 55 characters
        assertThat(TraceIds.parseTraceparent("00_" + TRACE + "-" + SPAN + "-01", null)).isNull();
        assertThat(TraceIds.parseTraceparent("00-" + TRACE + "-" + SPAN + "-0g", null)).isNull();
        assertThat(TraceIds.parseTraceparent("00-" + TRACE.substring(1) + "-" + SPAN + "-01", null))
                .isNull();
    }

    @Test
    void aLaterVersionMayCarryMoreAfterADash() {
        assertThat(TraceIds.parseTraceparent("01-" + TRACE + "-" + SPAN + "-01-what-comes", null))
                .isNotNull();
        assertThat(TraceIds.parseTraceparent("01-" + TRACE + "-" + SPAN + "-01x", null)).isNull();
    }

    @Test
    void hexDigitsMatchTheJdksForEveryNibbleInEveryPosition() {
        SplittableRandom r = new SplittableRandom(42);
        List<Long> values = new ArrayList<>(List.of(0L, -1L, 1L));
        for (int pos = 0; pos < 16; pos++) {
            for (long d = 0; d < 16; d++) {
                values.add(d << (4 * pos)); // one digit alone, every digit in every place
                values.add(~(d << (4 * pos)));
            }
        }
        for (int i = 0; i < 10_000; i++) {
            values.add(r.nextLong());
        }
        for (long v : values) {
            String want = String.format("%016x", v);
            assertThat(TraceIds.hex(v)).as("%d", v).isEqualTo(want);
            assertThat(TraceIds.hex(v, ~v)).isEqualTo(want + String.format("%016x", ~v));
        }
    }

    @Test
    void writesTraceparentAndHexWithLeadingZeros() {
        assertThat(TraceIds.traceparent(1, 2, 3, true))
                .isEqualTo("00-00000000000000010000000000000002-0000000000000003-01");
        assertThat(TraceIds.traceparent(-1, -1, -1, false))
                .isEqualTo("00-" + "f".repeat(32) + "-" + "f".repeat(16) + "-00");
        TraceIds.Parent p = TraceIds.parseTraceparent(TraceIds.traceparent(-5, 7, 9, true), null);
        assertThat(p.traceHi()).isEqualTo(-5);
        assertThat(p.traceLo()).isEqualTo(7);
        assertThat(p.spanId()).isEqualTo(9);
    }
}
