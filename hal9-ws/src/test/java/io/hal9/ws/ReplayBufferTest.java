package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Numbering, bounded keeping and release of the payloads a resumable session replays. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ReplayBufferTest {

    private static ByteBuf payload(int i) {
        return Unpooled.buffer(4).writeInt(i);
    }

    private static List<Integer> after(ReplayBuffer r, long lastSeq) {
        List<Integer> out = new ArrayList<>();
        for (Iterator<ByteBuf> it = r.after(lastSeq); it.hasNext(); ) {
            ByteBuf b = it.next();
            out.add(b.getInt(b.readerIndex()));
        }
        return out;
    }

    @Test
    void keepsARetainedDuplicateOfTheLastCapacityPayloadsAndReleasesTheOldest() {
        ReplayBuffer r = new ReplayBuffer(3);
        List<ByteBuf> written = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            ByteBuf b = payload(i);
            written.add(b);
            r.add(b);
        }
        assertThat(r.sentSeq()).isEqualTo(5);
        assertThat(r.size()).isEqualTo(3);
        // the writer's reference and, for the last three, the buffer's
        assertThat(written.get(0).refCnt()).isEqualTo(1);
        assertThat(written.get(1).refCnt()).isEqualTo(1);
        assertThat(written.get(2).refCnt()).isEqualTo(2);
        assertThat(written.get(4).refCnt()).isEqualTo(2);

        r.release();
        assertThat(r.size()).isZero();
        assertThat(r.sentSeq()).isEqualTo(5);
        for (ByteBuf b : written) {
            assertThat(b.refCnt()).isEqualTo(1);
            b.release();
        }
    }

    @Test
    void replaysWhatCameAfterTheClientsLastSequenceNumber() {
        ReplayBuffer r = new ReplayBuffer(3);
        for (int i = 1; i <= 5; i++) {
            ByteBuf b = payload(i);
            r.add(b);
            b.release();
        }
        // kept: 3, 4, 5
        assertThat(r.gap(2)).isNull();
        assertThat(after(r, 2)).containsExactly(3, 4, 5);
        assertThat(after(r, 4)).containsExactly(5);
        assertThat(after(r, 5)).isEmpty();
        r.release();
    }

    @Test
    void refusesWhatItCannotReplayWithTheReasonTheClientIsGiven() {
        ReplayBuffer r = new ReplayBuffer(2);
        assertThat(r.gap(0)).isNull();
        for (int i = 1; i <= 4; i++) {
            ByteBuf b = payload(i);
            r.add(b);
            b.release();
        }
        // kept: 3, 4
        assertThat(r.gap(-1)).isEqualTo("no lastSeq");
        assertThat(r.gap(5)).isEqualTo("lastSeq ahead of the server");
        assertThat(r.gap(1)).isEqualTo("gap");
        assertThat(r.gap(2)).isNull();
        assertThatThrownBy(() -> r.after(1)).isInstanceOf(IllegalArgumentException.class);
        r.release();
    }
}
