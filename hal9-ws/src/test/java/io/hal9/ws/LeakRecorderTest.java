package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.PooledByteBufAllocator;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The leak check every test relies on can fail: a buffer dropped without release is reported. */
@Timeout(30)
class LeakRecorderTest {

    @Test
    void aBufferDroppedWithoutReleaseIsReported() {
        assertThat(io.netty.util.ResourceLeakDetector.getLevel())
                .isEqualTo(io.netty.util.ResourceLeakDetector.Level.PARANOID);
        leakOne();
        try {
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> !LeakRecorder.collect().isEmpty());
        } finally {
            LeakRecorder.LEAKS.clear();
        }
    }

    private static void leakOne() {
        PooledByteBufAllocator.DEFAULT.buffer(64).writeLong(42);
    }
}
