package io.hal9.pool.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.testkit.Latches;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ThreadCountersTest {

    @Test
    void platformThreadsCountExactlyAndEndedThreadsAreFoldedAndDropped() throws Exception {
        ThreadCounters counts = new ThreadCounters(3);
        int threads = 4;
        int perThread = 100_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int which = t;
            started.add(Thread.ofPlatform().start(() -> {
                Latches.await(start, Duration.ofSeconds(10));
                for (int i = 0; i < perThread; i++) {
                    counts.increment(0);
                }
                counts.increment(which % 2 == 0 ? 1 : 2);
            }));
        }
        start.countDown();
        for (Thread t : started) {
            t.join(); // join: every increment happens-before the sums below, and the threads have ended
        }
        assertThat(counts.sum(0)).isEqualTo((long) threads * perThread);
        assertThat(counts.sum(1)).isEqualTo(2);
        assertThat(counts.sum(2)).isEqualTo(2);
        assertThat(counts.registeredThreads()).isZero(); // folded into the retired totals
        assertThat(counts.sum(0)).isEqualTo((long) threads * perThread); // and still counted

        counts.increment(1); // this (live) thread registers
        assertThat(counts.registeredThreads()).isEqualTo(1);
        assertThat(counts.sum(1)).isEqualTo(3);
    }

    @Test
    void virtualThreadsCountExactlyWithoutAnArrayEach() throws Exception {
        ThreadCounters counts = new ThreadCounters(1);
        int threads = 1_000;
        int perThread = 100;
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < threads; t++) {
                executor.execute(() -> {
                    for (int i = 0; i < perThread; i++) {
                        counts.increment(0);
                    }
                });
            }
        } // close() waits for every task: the happens-before edge for the sum
        assertThat(counts.sum(0)).isEqualTo((long) threads * perThread);
        assertThat(counts.registeredThreads()).isZero();
    }

    @Test
    void aSumTakenWhileThreadsCountNeverGoesBackwards() throws Exception {
        ThreadCounters counts = new ThreadCounters(1);
        CountDownLatch done = new CountDownLatch(2);
        for (int t = 0; t < 2; t++) {
            Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 200_000; i++) {
                    counts.increment(0);
                }
                done.countDown();
            });
        }
        long last = 0;
        while (done.getCount() > 0) {
            long now = counts.sum(0);
            assertThat(now).isGreaterThanOrEqualTo(last);
            last = now;
        }
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(counts.sum(0)).isEqualTo(400_000);
    }

    @Test
    void aWidthBelowOneIsRefused() {
        assertThatThrownBy(() -> new ThreadCounters(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("width must be positive, was 0");
    }
}
