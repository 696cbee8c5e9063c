package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The inbound token bucket, the runs of refusals and the rows of undecodable messages, on a time the test sets. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class InboundGateTest {
    private static final long MS = 1_000_000L;
    private static final long SECOND = 1_000_000_000L;

    /** The gate alone: the session that extends it in production adds only what it does with the answers. */
    private static final class Gate extends InboundGate {
        Gate(long now, int burst) {
            super(now, burst);
        }
    }

    @Test
    void aFullBucketAdmitsTheBurstThenRefillsAtTheRate() {
        Gate g = new Gate(0, 3);
        assertThat(g.takeToken(0, 10, 3)).isTrue();
        assertThat(g.takeToken(0, 10, 3)).isTrue();
        assertThat(g.takeToken(0, 10, 3)).isTrue();
        assertThat(g.takeToken(0, 10, 3)).isFalse();
        // 10 per second: one token per 100 ms, none before
        assertThat(g.takeToken(99 * MS, 10, 3)).isFalse();
        assertThat(g.takeToken(100 * MS, 10, 3)).isTrue();
        assertThat(g.takeToken(100 * MS, 10, 3)).isFalse();
    }

    @Test
    void theRefillNeverExceedsTheBurst() {
        Gate g = new Gate(0, 2);
        assertThat(g.takeToken(0, 10, 2)).isTrue();
        assertThat(g.takeToken(0, 10, 2)).isTrue();
        // an hour later the bucket holds the burst, not 36,000 tokens
        long later = 3600 * SECOND;
        assertThat(g.takeToken(later, 10, 2)).isTrue();
        assertThat(g.takeToken(later, 10, 2)).isTrue();
        assertThat(g.takeToken(later, 10, 2)).isFalse();
    }

    @Test
    void aRunOfRefusalsLastsWhileTheyAreLessThanASecondApart() {
        Gate g = new Gate(0, 1);
        assertThat(g.refused(0)).isEqualTo(1);
        assertThat(g.refused(500 * MS)).isEqualTo(2);
        assertThat(g.refused(1400 * MS)).isEqualTo(3);
        // a second without a refusal ends the run
        assertThat(g.refused(2400 * MS)).isEqualTo(1);
        assertThat(g.refused(2400 * MS)).isEqualTo(2);
    }

    @Test
    void admittedMessagesBetweenRefusalsDoNotEndTheRun() {
        Gate g = new Gate(0, 1);
        assertThat(g.takeToken(0, 10, 1)).isTrue();
        assertThat(g.refused(0)).isEqualTo(1);
        assertThat(g.takeToken(100 * MS, 10, 1)).isTrue();
        assertThat(g.refused(100 * MS)).isEqualTo(2);
    }

    @Test
    void undecodableMessagesCountInARowThatADecodedOneEnds() {
        Gate g = new Gate(0, 1);
        assertThat(g.decodeFailed(3)).isFalse();
        assertThat(g.decodeFailed(3)).isFalse();
        g.decoded();
        assertThat(g.decodeFailed(3)).isFalse();
        assertThat(g.decodeFailed(3)).isFalse();
        assertThat(g.decodeFailed(3)).isTrue();
    }
}
