package io.hal9.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.testkit.ManualClock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RateLimitedLogTest {
    @Test
    void letsTheFirstLineThroughThenOnePerIntervalAndCountsTheOthers() {
        ManualClock clock = new ManualClock();
        RateLimitedLog log =
                new RateLimitedLog(clock::read, Duration.ofSeconds(10).toNanos());
        assertThat(log.tryAcquire()).isZero();
        assertThat(log.tryAcquire()).isEqualTo(RateLimitedLog.HELD_BACK);
        clock.advance(Duration.ofSeconds(9));
        assertThat(log.tryAcquire()).isEqualTo(RateLimitedLog.HELD_BACK);
        clock.advance(Duration.ofSeconds(1));
        assertThat(log.tryAcquire()).as("held back since the last line").isEqualTo(2);
        assertThat(log.tryAcquire()).isEqualTo(RateLimitedLog.HELD_BACK);
        clock.advance(Duration.ofMinutes(5));
        assertThat(log.tryAcquire()).isEqualTo(1);
    }

    @Test
    void ofCallersRacingForTheSameLineOneIsLetThrough() throws Exception {
        ManualClock clock = new ManualClock();
        RateLimitedLog log =
                new RateLimitedLog(clock::read, Duration.ofSeconds(10).toNanos());
        int threads = 8;
        AtomicInteger through = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int i = 0; i < threads; i++) {
                pool.execute(() -> {
                    try {
                        start.await();
                        for (int j = 0; j < 1_000; j++) {
                            if (log.tryAcquire() != RateLimitedLog.HELD_BACK) {
                                through.incrementAndGet();
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        done.countDown();
                    }
                });
            }
            start.countDown();
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            pool.shutdownNow();
        }
        assertThat(through.get())
                .as("lines let through while the clock stood still")
                .isEqualTo(1);
        clock.advance(Duration.ofSeconds(10));
        assertThat(log.tryAcquire()).as("every other call was held back").isEqualTo(threads * 1_000L - 1);
    }

    @Test
    void theJavadocExampleLogsOneLineWithTheCountHeldBack() {
        ManualClock clock = new ManualClock();
        RateLimitedLog errorLog =
                new RateLimitedLog(clock::read, Duration.ofSeconds(10).toNanos());
        org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RateLimitedLogTest.class);
        String name = "cache 'profiles'";
        RuntimeException e = new IllegalStateException("Redis down");
        errorLog.tryAcquire(); // an earlier failure, logged
        errorLog.tryAcquire(); // and one held back
        clock.advance(Duration.ofSeconds(10));
        // javadoc-example: RateLimitedLog#1 begins
        long heldBack = errorLog.tryAcquire();
        if (heldBack != RateLimitedLog.HELD_BACK) {
            LOG.warn("{}: write failed ({} more since the last report): {}", name, heldBack, e.toString());
        }
        // javadoc-example: RateLimitedLog#1 ends
        assertThat(heldBack)
                .as("the line let through, counting the one held back")
                .isEqualTo(1);
    }

    @Test
    void aNegativeIntervalIsRefused() {
        assertThatThrownBy(() -> new RateLimitedLog(System::nanoTime, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("interval must be >= 0");
    }
}
