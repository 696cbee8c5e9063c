package io.hal9.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class TaskLimiterBuilderTest {

    @Test
    void defaultsFollowTheDesign() {
        try (TaskLimiter limiter = TaskLimiter.builder("defaults").build()) {
            assertThat(limiter.name()).isEqualTo("defaults");
            assertThat(limiter.stats()).isEqualTo(new TaskLimiter.Stats(100, 0, 0, 0, 0, 0, 0, 0));
            assertThat(TaskLimiter.DEFAULT_CLOSE_TIMEOUT).isEqualTo(Duration.ofSeconds(30));
            assertThat(limiter.toString())
                    .isEqualTo("task limiter 'defaults' (maxConcurrent=100, inFlight=0, waiting=0, maxWaiting=0)");
        }
    }

    @Test
    void nameMustBeUsable() {
        assertThatThrownBy(() -> TaskLimiter.builder(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("task limiter name must be 1 to 128 characters and not blank, was ' '");
    }

    @Test
    void maxConcurrentOutOfRangeIsRefusedWithTheRange() {
        assertThatThrownBy(() -> TaskLimiter.builder("matchmaking").maxConcurrent(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("task limiter 'matchmaking': maxConcurrent must be in [1, 1000000], was 0");
        assertThatThrownBy(() -> TaskLimiter.builder("matchmaking").maxConcurrent(1_000_001))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("task limiter 'matchmaking': maxConcurrent must be in [1, 1000000], was 1000001");
    }

    @Test
    void maxWaitingOutOfRangeIsRefusedWithTheRange() {
        assertThatThrownBy(() -> TaskLimiter.builder("matchmaking").maxWaiting(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("task limiter 'matchmaking': maxWaiting must be in [0, 1000000], was -1");
    }

    @Test
    void closeTimeoutOutOfRangeIsRefusedWithTheRange() {
        assertThatThrownBy(() -> TaskLimiter.builder("matchmaking").closeTimeout(Duration.ofMillis(-5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("task limiter 'matchmaking': closeTimeout must be in [PT0S, PT24H], was PT-0.005S");
        assertThatThrownBy(() -> TaskLimiter.builder("matchmaking").closeTimeout(Duration.ofDays(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("task limiter 'matchmaking': closeTimeout must be in [PT0S, PT24H], was PT48H");
    }

    @Test
    void everyOptionMayBeSetOnlyOnce() {
        TaskLimiter.Builder b = TaskLimiter.builder("once")
                .maxConcurrent(5)
                .maxWaiting(5)
                .executor(Runnable::run)
                .closeTimeout(Duration.ofSeconds(1))
                .ticker(Ticker.system())
                .listener(new TaskLimiterListener() {});

        assertThatThrownBy(() -> b.maxConcurrent(6))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("task limiter 'once': maxConcurrent was already set");
        assertThatThrownBy(() -> b.maxWaiting(6)).hasMessage("task limiter 'once': maxWaiting was already set");
        assertThatThrownBy(() -> b.executor(Runnable::run)).hasMessage("task limiter 'once': executor was already set");
        assertThatThrownBy(() -> b.closeTimeout(Duration.ZERO))
                .hasMessage("task limiter 'once': closeTimeout was already set");
        assertThatThrownBy(() -> b.ticker(Ticker.system())).hasMessage("task limiter 'once': ticker was already set");
        assertThatThrownBy(() -> b.listener(new TaskLimiterListener() {}))
                .hasMessage("task limiter 'once': listener was already set");
    }

    @Test
    void nullArgumentsAreNamed() {
        TaskLimiter.Builder b = TaskLimiter.builder("nulls");
        assertThatThrownBy(() -> b.executor(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("executor");
        assertThatThrownBy(() -> b.closeTimeout(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("closeTimeout");
        try (TaskLimiter limiter = b.build()) {
            assertThatThrownBy(() -> limiter.tryExecute(null))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessage("task");
            assertThatThrownBy(() -> limiter.submit(() -> 1, null))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessage("timeout");
        }
    }

    @Test
    void configuredValuesAreUsed() throws Exception {
        try (TaskLimiter limiter = TaskLimiter.builder("configured")
                .maxConcurrent(3)
                .maxWaiting(7)
                .executor(Runnable::run)
                .build()) {
            // A direct executor runs the task inside tryExecute.
            boolean[] ran = {false};
            assertThat(limiter.tryExecute(() -> ran[0] = true)).isEqualTo(Admission.ACCEPTED);
            assertThat(ran[0]).isTrue();
            assertThat(limiter.stats().maxConcurrent()).isEqualTo(3);
            assertThat(limiter.toString()).contains("maxWaiting=7");
        }
    }
}
