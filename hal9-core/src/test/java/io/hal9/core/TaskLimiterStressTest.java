package io.hal9.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * N threads x fixed operations, released together by a barrier, mixing every way in (tryExecute,
 * trySubmit with random cancellation, timed submit, bare permits). Invariants checked at the end: the
 * limit was never exceeded, every task is accounted for, nothing is left in flight or waiting.
 */
@Timeout(20)
class TaskLimiterStressTest {
    private static final int THREADS = 8;
    private static final int OPS = 4_000;
    private static final int LIMIT = 3;

    @ParameterizedTest(name = "maxWaiting={0}")
    @ValueSource(ints = {0, 4})
    void neverMoreThanTheLimitRunAndEveryTaskIsAccountedFor(int maxWaiting) throws Exception {
        long seed = System.nanoTime();
        TaskLimiter limiter = TaskLimiter.builder("stress")
                .maxConcurrent(LIMIT)
                .maxWaiting(maxWaiting)
                .closeTimeout(Duration.ofSeconds(10))
                .build();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        LongAdder bodiesFinished = new LongAdder();
        LongAdder offered = new LongAdder();
        LongAdder refused = new LongAdder();
        LongAdder idlePermitWhileWaiting = new LongAdder();
        Runnable body = () -> {
            int now = running.incrementAndGet();
            maxRunning.accumulateAndGet(now, Math::max);
            for (int spin = 0; spin < 50; spin++) {
                Thread.onSpinWait();
            }
            running.decrementAndGet();
            bodiesFinished.increment();
        };
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<CompletableFuture<Void>> workers = new ArrayList<>();

        for (int w = 0; w < THREADS; w++) {
            SplittableRandom random = new SplittableRandom(seed + w);
            workers.add(CompletableFuture.runAsync(
                    () -> {
                        await(start);
                        for (int op = 0; op < OPS; op++) {
                            switch (random.nextInt(4)) {
                                case 0 -> {
                                    offered.increment();
                                    if (!limiter.tryExecute(body).isAccepted()) {
                                        refused.increment();
                                    }
                                }
                                case 1 -> {
                                    offered.increment();
                                    TaskLimiter.Submission<Object> s = limiter.trySubmit(() -> {
                                        body.run();
                                        return "done";
                                    });
                                    if (!s.isAccepted()) {
                                        refused.increment();
                                    } else if (random.nextInt(4) == 0) {
                                        s.future().cancel(random.nextBoolean());
                                    }
                                }
                                case 2 -> {
                                    offered.increment();
                                    try {
                                        limiter.submit(
                                                () -> {
                                                    body.run();
                                                    return "done";
                                                },
                                                Duration.ofMillis(1));
                                    } catch (RejectedException e) {
                                        refused.increment();
                                    }
                                }
                                default -> {
                                    try (TaskLimiter.Permit p = limiter.tryAcquirePermit()) {
                                        if (p != null) {
                                            body.run();
                                        }
                                    }
                                }
                            }
                            // One consistent reading of the state word: a free permit while something
                            // waits would be a lost hand-over.
                            TaskLimiter.Stats now = limiter.stats();
                            if (now.waiting() > 0 && now.inFlight() < LIMIT) {
                                idlePermitWhileWaiting.increment();
                            }
                        }
                    },
                    Thread::startVirtualThread));
        }
        CompletableFuture.allOf(workers.toArray(new CompletableFuture<?>[0])).get(15, TimeUnit.SECONDS);
        limiter.close();

        String why = "seed " + seed;
        assertThat(limiter.awaitTermination(Duration.ZERO)).as(why).isTrue();
        assertThat(idlePermitWhileWaiting.sum()).as(why).isZero();
        assertThat(maxRunning.get()).as(why).isLessThanOrEqualTo(LIMIT).isPositive();
        TaskLimiter.Stats stats = limiter.stats();
        assertThat(stats.inFlight()).as(why).isZero();
        assertThat(stats.waiting()).as(why).isZero();
        assertThat(stats.failed()).as(why).isZero();
        assertThat(stats.submitted()).as(why).isEqualTo(offered.sum());
        assertThat(stats.rejected()).as(why).isEqualTo(refused.sum());
        assertThat(stats.completed() + stats.rejected() + stats.cancelled())
                .as(why)
                .isEqualTo(stats.submitted());
        // Bodies: every completed task ran, tasks cancelled while running may have run; plus bare permits.
        assertThat(bodiesFinished.sum()).as(why).isGreaterThanOrEqualTo(stats.completed());
    }

    /**
     * Targets the one subtle ordering of the fast path: a permit returned by a bare-permit holder at
     * the very moment a task joins the waiting line must be handed to that task, not freed (else the
     * task waits forever, since nobody else holds a permit to hand over). Two platform threads race
     * that exact pair of operations many times; a lost hand-over shows up as a task that never runs.
     */
    @Test
    void permitReturnedWhileATaskJoinsTheLineIsHandedToIt() throws Exception {
        int rounds = 200_000;
        TaskLimiter limiter = TaskLimiter.builder("handover")
                .maxConcurrent(1)
                .maxWaiting(1)
                .executor(Runnable::run) // queued tasks run inside the releasing close()
                .closeTimeout(Duration.ofSeconds(1))
                .build();
        AtomicBoolean stop = new AtomicBoolean();
        LongAdder queued = new LongAdder();
        Thread holder = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                TaskLimiter.Permit p = limiter.tryAcquirePermit();
                if (p != null) {
                    p.close();
                }
            }
        });
        try {
            for (int i = 0; i < rounds; i++) {
                TaskLimiter.Submission<Boolean> s = limiter.trySubmit(() -> true);
                if (s.admission() == Admission.QUEUED) {
                    queued.increment();
                }
                if (s.isAccepted()) {
                    assertThat(s.future().get(2, TimeUnit.SECONDS))
                            .as("round %d: a queued task was never handed a permit", i)
                            .isTrue();
                }
            }
        } finally {
            stop.set(true);
            holder.join();
            limiter.close();
        }
        assertThat(limiter.stats().inFlight()).isZero();
        assertThat(queued.sum()).as("the race was exercised").isPositive();
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
