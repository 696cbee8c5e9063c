package io.hal9.examples.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WakeupProbeTest {
    @Test
    void itRecordsOneLatenessPerWakeupUntilClosed() {
        WakeupProbe probe = new WakeupProbe();
        assertThat(probe.started()).isFalse();
        probe.start();
        assertThat(probe.started()).isTrue();
        // each wake-up records one value; a 1 ms sleep gives hundreds in well under the timeout
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.lateness().getTotalCount() >= 100);
        probe.close();
        long count = probe.lateness().getTotalCount();
        assertThat(probe.lateness().getMinValue()).isGreaterThanOrEqualTo(0);
        // closed: the thread has ended, so nothing more is recorded
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.getName().equals("wakeup-probe") && t.isAlive());
        assertThat(probe.lateness().getTotalCount()).isEqualTo(count);
    }

    @Test
    void itStartsOnce() {
        try (WakeupProbe probe = new WakeupProbe().start()) {
            assertThatThrownBy(probe::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already started");
        }
    }
}
