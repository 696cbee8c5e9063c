package io.hal9.pool;

import static io.hal9.pool.ConnectionEntry.CREATING;
import static io.hal9.pool.ConnectionEntry.FREE;
import static io.hal9.pool.ConnectionEntry.IDLE;
import static io.hal9.pool.ConnectionEntry.IN_USE;
import static io.hal9.pool.ConnectionEntry.ONE_GENERATION;
import static io.hal9.pool.ConnectionEntry.RESERVED;
import static io.hal9.pool.ConnectionEntry.STATE_MASK;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ConnectionEntryTest {

    /** A slot with no pool: these checks never reach it. */
    private static ConnectionEntry<String> entry(long stamp) {
        @SuppressWarnings("DataFlowIssue") // the pool reference is not used by tryClaim or expired
        ConnectionEntry<String> e = new ConnectionEntry<>(null, stamp);
        return e;
    }

    @Test
    void aClaimMovesAnIdleSlotToInUseOneGenerationOn() {
        ConnectionEntry<String> e = entry(5 * ONE_GENERATION | IDLE);
        assertThat(ConnectionEntry.tryClaim(e)).isTrue();
        assertThat(e.stamp).isEqualTo(6 * ONE_GENERATION | IN_USE);
        assertThat(ConnectionEntry.tryClaim(e))
                .as("an IN_USE slot is not claimed twice")
                .isFalse();
        assertThat(e.stamp).isEqualTo(6 * ONE_GENERATION | IN_USE);
    }

    @Test
    void onlyIdleSlotsCanBeClaimed() {
        for (long state : new long[] {FREE, CREATING, IN_USE, RESERVED}) {
            ConnectionEntry<String> e = entry(3 * ONE_GENERATION | state);
            assertThat(ConnectionEntry.tryClaim(e)).as("state %d", state).isFalse();
            assertThat(e.stamp & STATE_MASK).isEqualTo(state);
        }
    }

    @Test
    void theStateBitsAndTheGenerationDoNotOverlap() {
        for (long state : new long[] {FREE, CREATING, IDLE, IN_USE, RESERVED}) {
            assertThat(state & ~STATE_MASK).isZero();
        }
        assertThat(ONE_GENERATION & STATE_MASK).isZero();
        assertThat(ONE_GENERATION).isEqualTo(STATE_MASK + 1);
    }

    @Test
    void aConnectionExpiresAtItsLifetimeAndNeverWithoutOne() {
        ConnectionEntry<String> e = entry(IDLE);
        e.createdAt = 1_000;
        e.lifetime = 500;
        assertThat(ConnectionEntry.expired(e, 1_499)).isFalse();
        assertThat(ConnectionEntry.expired(e, 1_500)).isTrue();
        e.lifetime = 0;
        assertThat(ConnectionEntry.expired(e, Long.MAX_VALUE)).isFalse();
    }
}
