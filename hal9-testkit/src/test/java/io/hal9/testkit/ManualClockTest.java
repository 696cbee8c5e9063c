package io.hal9.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ManualClockTest {
    @Test
    void movesOnlyWhenAdvancedAndNeverBack() {
        ManualClock clock = new ManualClock();
        long start = clock.read();
        assertThat(start).isEqualTo(1_000_000_000L);
        assertThat(clock.read()).isEqualTo(start);
        clock.advance(Duration.ofMillis(250));
        assertThat(clock.read()).isEqualTo(start + 250_000_000L);
        clock.advance(Duration.ZERO);
        assertThat(clock.read()).isEqualTo(start + 250_000_000L);
        assertThatThrownBy(() -> clock.advance(Duration.ofNanos(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot go back");
        assertThat(new ManualClock(42L).read()).isEqualTo(42L);
    }
}
