package io.hal9.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class CircuitBreakerTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final List<String> changes = new CopyOnWriteArrayList<>();
    private final CircuitBreaker breaker =
            new CircuitBreaker(3, 100, now::get, (from, to) -> changes.add(from + "->" + to));

    @Test
    void opensAfterThresholdConsecutiveFailuresOnly() {
        breaker.onFailure();
        breaker.onFailure();
        breaker.onSuccess(); // resets the run
        breaker.onFailure();
        breaker.onFailure();
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        assertThat(breaker.tryAcquire()).isTrue();
        breaker.onFailure();
        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
        assertThat(breaker.opened()).isEqualTo(1);
        assertThat(breaker.tryAcquire()).isFalse();
        assertThat(changes).containsExactly("CLOSED->OPEN");
    }

    @Test
    void letsExactlyOneProbeThroughAfterTheOpenIntervalAndClosesOnItsSuccess() {
        openIt();
        now.addAndGet(99);
        assertThat(breaker.tryAcquire()).isFalse();
        now.addAndGet(1);
        assertThat(breaker.tryAcquire()).isTrue();
        assertThat(breaker.state()).isEqualTo(BreakerState.HALF_OPEN);
        assertThat(breaker.tryAcquire()).isFalse(); // only one probe
        breaker.onSuccess();
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        assertThat(breaker.tryAcquire()).isTrue();
        assertThat(changes).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
    }

    @Test
    void aFailedProbeReopensForAnotherFullInterval() {
        openIt();
        now.addAndGet(100);
        assertThat(breaker.tryAcquire()).isTrue();
        breaker.onFailure();
        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
        assertThat(breaker.opened()).isEqualTo(2);
        now.addAndGet(99);
        assertThat(breaker.tryAcquire()).isFalse();
        now.addAndGet(1);
        assertThat(breaker.tryAcquire()).isTrue();
    }

    @Test
    void anAbandonedProbeHandsItsTurnToTheNextCaller() {
        openIt();
        now.addAndGet(100);
        assertThat(breaker.tryAcquire()).isTrue();
        breaker.onAbandoned();
        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
        assertThat(breaker.opened()).isEqualTo(1); // not a new opening
        assertThat(breaker.tryAcquire()).isTrue(); // the interval is already over
        breaker.onSuccess();
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
    }

    private void openIt() {
        for (int i = 0; i < 3; i++) {
            breaker.onFailure();
        }
        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
    }
}
