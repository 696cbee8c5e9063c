package io.hal9.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class TaskLimiterTest {

    /** Opened at the end of every test so that no task stays blocked. */
    private final CountDownLatch gate = new CountDownLatch(1);

    private final List<TaskLimiter> limiters = new ArrayList<>();

    @AfterEach
    void openGateAndClose() {
        gate.countDown();
        limiters.forEach(TaskLimiter::close);
    }

    private TaskLimiter track(TaskLimiter limiter) {
        limiters.add(limiter);
        return limiter;
    }

    private TaskLimiter limiter(int maxConcurrent, int maxWaiting) {
        return track(TaskLimiter.builder("test")
                .maxConcurrent(maxConcurrent)
                .maxWaiting(maxWaiting)
                .closeTimeout(Duration.ofSeconds(5))
                .build());
    }

    /** Submits a task that holds its permit until {@code release} opens; returns once it runs. */
    private static CompletableFuture<String> hold(TaskLimiter limiter, CountDownLatch release) throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        TaskLimiter.Submission<String> s = limiter.trySubmit(() -> {
            started.countDown();
            release.await();
            return "held";
        });
        assertThat(s.admission()).isEqualTo(Admission.ACCEPTED);
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        return s.future();
    }

    // ------------------------------------------------------------------ admission

    @Test
    void tryExecuteRunsTaskAndGivesPermitBack() throws Exception {
        TaskLimiter limiter = limiter(2, 0);
        CountDownLatch ran = new CountDownLatch(1);

        assertThat(limiter.tryExecute(ran::countDown)).isEqualTo(Admission.ACCEPTED);

        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        await().until(() -> limiter.inFlight() == 0);
        assertThat(limiter.stats()).isEqualTo(new TaskLimiter.Stats(2, 0, 0, 1, 0, 1, 0, 0));
    }

    @Test
    void tryCallsAnswerFullWhenSaturatedAndTakeNothing() throws Exception {
        List<Admission> rejections = new CopyOnWriteArrayList<>();
        TaskLimiter limiter = track(TaskLimiter.builder("matchmaking")
                .maxConcurrent(2)
                .listener(new TaskLimiterListener() {
                    @Override
                    public void onRejected(Admission reason) {
                        rejections.add(reason);
                    }
                })
                .build());
        hold(limiter, gate);
        hold(limiter, gate);
        AtomicBoolean ran = new AtomicBoolean();

        assertThat(limiter.tryExecute(() -> ran.set(true))).isEqualTo(Admission.FULL);
        TaskLimiter.Submission<String> refused = limiter.trySubmit(() -> "never");

        assertThat(refused.admission()).isEqualTo(Admission.FULL);
        assertThat(refused.isAccepted()).isFalse();
        assertThat(refused.future())
                .failsWithin(Duration.ZERO)
                .withThrowableOfType(ExecutionException.class)
                .havingCause()
                .isInstanceOf(RejectedException.class)
                .withMessage("task limiter 'matchmaking': full (maxConcurrent=2, inFlight=2, waiting=0, maxWaiting=0)");
        assertThat(limiter.tryAcquirePermit()).isNull();
        assertThat(ran).isFalse();
        assertThat(rejections).containsExactly(Admission.FULL, Admission.FULL);
        assertThat(limiter.stats().submitted()).isEqualTo(4);
        assertThat(limiter.stats().rejected()).isEqualTo(2);
    }

    @Test
    void timedSubmitThrowsWithLimiterStateWhenNoPermitFreesInTime() throws Exception {
        TaskLimiter limiter =
                track(TaskLimiter.builder("matchmaking").maxConcurrent(1).build());
        hold(limiter, gate);

        assertThatThrownBy(() -> limiter.submit(() -> "late", Duration.ofMillis(50)))
                .isInstanceOfSatisfying(RejectedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Admission.FULL);
                    assertThat(e.component()).isEqualTo("task limiter 'matchmaking'");
                })
                .hasMessage("task limiter 'matchmaking': no permit within 50ms"
                        + " (maxConcurrent=1, inFlight=1, waiting=0, maxWaiting=0)");
        assertThat(limiter.waiting()).isZero();
        assertThat(limiter.stats().rejected()).isEqualTo(1);
    }

    @Test
    void asAnExecutorItRunsTasksAndThrowsRejectedExecutionWhenFullOrClosed() throws Exception {
        TaskLimiter limiter =
                track(TaskLimiter.builder("matchmaking").maxConcurrent(1).build());
        // usable wherever an Executor is expected
        assertThat(CompletableFuture.supplyAsync(() -> "ran", limiter).get(5, TimeUnit.SECONDS))
                .isEqualTo("ran");
        await().until(() -> limiter.inFlight() == 0);

        hold(limiter, gate);
        AtomicBoolean ran = new AtomicBoolean();
        assertThatThrownBy(() -> limiter.execute(() -> ran.set(true)))
                .isInstanceOf(RejectedExecutionException.class)
                .hasMessage("task limiter 'matchmaking' refused the task (FULL): inFlight=1, waiting=0");
        gate.countDown();
        await().until(() -> limiter.inFlight() == 0);
        limiter.close();
        assertThatThrownBy(() -> limiter.execute(() -> ran.set(true)))
                .isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("(CLOSED)");
        assertThat(ran).as("a refused task never runs").isFalse();
    }

    @Test
    void timedSubmitWithZeroTimeoutRefusesAtOnceAndNegativeTimeoutIsAnError() throws Exception {
        TaskLimiter limiter = limiter(1, 0);
        hold(limiter, gate);

        assertThatThrownBy(() -> limiter.submit(() -> 1, Duration.ZERO))
                .isInstanceOf(RejectedException.class)
                .hasMessageContaining("no permit within 0ms");
        assertThatThrownBy(() -> limiter.submit(() -> 1, Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("task limiter 'test': timeout must not be negative, was PT-0.001S");
    }

    @Test
    void timedSubmitGetsThePermitWhenOneFrees() throws Exception {
        TaskLimiter limiter = limiter(1, 0);
        CountDownLatch release = new CountDownLatch(1);
        hold(limiter, release);

        CompletableFuture<CompletableFuture<String>> submitted =
                CompletableFuture.supplyAsync(() -> limiter.submit(() -> "mine", Duration.ofSeconds(5)));
        await().until(() -> limiter.waiting() == 1);
        assertThat(submitted).isNotDone();
        release.countDown();

        assertThat(submitted.get(5, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS)).isEqualTo("mine");
    }

    @Test
    void timedWaitersAreServedInArrivalOrder() throws Exception {
        TaskLimiter limiter = limiter(1, 0);
        CountDownLatch release = new CountDownLatch(1);
        hold(limiter, release);
        List<Integer> order = new CopyOnWriteArrayList<>();
        List<CompletableFuture<CompletableFuture<Boolean>>> callers = new ArrayList<>();

        for (int i = 0; i < 4; i++) {
            int id = i;
            callers.add(CompletableFuture.supplyAsync(
                    () -> limiter.submit(() -> order.add(id), Duration.ofSeconds(5)), Thread::startVirtualThread));
            await().until(() -> limiter.waiting() == id + 1);
        }
        // A non-blocking newcomer must not overtake the waiters.
        assertThat(limiter.tryExecute(() -> order.add(99))).isEqualTo(Admission.FULL);
        release.countDown();

        for (CompletableFuture<CompletableFuture<Boolean>> c : callers) {
            c.get(5, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS);
        }
        assertThat(order).containsExactly(0, 1, 2, 3);
    }

    @Test
    void waitingLineQueuesUpToMaxWaitingAndRunsTasksFirstInFirstOut() throws Exception {
        TaskLimiter limiter = limiter(1, 3);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> holder = hold(limiter, release);
        List<Integer> order = new CopyOnWriteArrayList<>();

        assertThat(limiter.tryExecute(() -> order.add(1))).isEqualTo(Admission.QUEUED);
        TaskLimiter.Submission<Boolean> second = limiter.trySubmit(() -> order.add(2));
        assertThat(second.admission()).isEqualTo(Admission.QUEUED);
        CompletableFuture<Boolean> third = limiter.submit(() -> order.add(3), Duration.ZERO);
        assertThat(limiter.tryExecute(() -> order.add(4))).isEqualTo(Admission.FULL);
        assertThat(limiter.waiting()).isEqualTo(3);
        assertThat(order).isEmpty();

        release.countDown();
        holder.get(5, TimeUnit.SECONDS);
        third.get(5, TimeUnit.SECONDS);

        assertThat(order).containsExactly(1, 2, 3);
        await().until(() -> limiter.inFlight() == 0);
        assertThat(limiter.stats())
                .extracting(TaskLimiter.Stats::submitted, TaskLimiter.Stats::rejected, TaskLimiter.Stats::completed)
                .containsExactly(5L, 1L, 4L);
    }

    @Test
    void blockedCallerMovesIntoTheLineAsSoonAsItHasRoom() throws Exception {
        TaskLimiter limiter = limiter(1, 1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        hold(limiter, releaseFirst);
        CountDownLatch queuedStarted = new CountDownLatch(1);
        TaskLimiter.Submission<String> queued = limiter.trySubmit(() -> {
            queuedStarted.countDown();
            gate.await();
            return "queued";
        });
        assertThat(queued.admission()).isEqualTo(Admission.QUEUED);
        CompletableFuture<CompletableFuture<String>> caller =
                CompletableFuture.supplyAsync(() -> limiter.submit(() -> "late", Duration.ofSeconds(5)));
        await().until(() -> limiter.waiting() == 2);

        releaseFirst.countDown();

        // The queued task now runs (holding the only permit) and the blocked caller took its place.
        assertThat(queuedStarted.await(5, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<String> late = caller.get(5, TimeUnit.SECONDS);
        assertThat(late).isNotDone();
        assertThat(limiter.waiting()).isEqualTo(1);
        assertThat(limiter.inFlight()).isEqualTo(1);
        gate.countDown();
        assertThat(late.get(5, TimeUnit.SECONDS)).isEqualTo("late");
    }

    @Test
    void interruptedTimedSubmitRestoresTheFlagAndThrows() throws Exception {
        TaskLimiter limiter = limiter(1, 0);
        hold(limiter, gate);
        AtomicReference<@Nullable Throwable> thrown = new AtomicReference<>();
        AtomicBoolean flagAfter = new AtomicBoolean();

        Thread caller = Thread.startVirtualThread(() -> {
            try {
                limiter.submit(() -> "x", Duration.ofSeconds(30));
            } catch (RuntimeException e) {
                thrown.set(e);
                flagAfter.set(Thread.currentThread().isInterrupted());
            }
        });
        await().until(() -> limiter.waiting() == 1);
        caller.interrupt();
        caller.join();

        assertThat(thrown.get())
                .isInstanceOfSatisfying(
                        RejectedException.class, e -> assertThat(e.reason()).isEqualTo(Admission.FULL))
                .hasMessage("task limiter 'test': interrupted while waiting for a permit"
                        + " (maxConcurrent=1, inFlight=1, waiting=0, maxWaiting=0)");
        assertThat(flagAfter).isTrue();
        assertThat(limiter.waiting()).isZero();
    }

    // ------------------------------------------------------------------ the permit comes back

    @Test
    void permitComesBackWhenTheTaskThrows() {
        TaskLimiter limiter = limiter(1, 0);
        IllegalStateException boom = new IllegalStateException("boom");

        CompletableFuture<String> f = limiter.<String>trySubmit(() -> {
                    throw boom;
                })
                .future();

        assertThatThrownBy(f::join).isInstanceOf(CompletionException.class).hasCause(boom);
        // The permit comes back before the future completes: no waiting needed.
        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.stats().failed()).isEqualTo(1);
        assertThat(limiter.tryExecute(() -> {})).isEqualTo(Admission.ACCEPTED);
    }

    @Test
    void permitComesBackWhenAFireAndForgetTaskThrows() throws Exception {
        TaskLimiter limiter = limiter(1, 0);
        CountDownLatch entered = new CountDownLatch(1);

        assertThat(limiter.tryExecute(() -> {
                    entered.countDown();
                    throw new IllegalStateException("fire-and-forget failure (expected in this test)");
                }))
                .isEqualTo(Admission.ACCEPTED);

        assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
        await().until(() -> limiter.inFlight() == 0);
        assertThat(limiter.stats().failed()).isEqualTo(1);
    }

    @Test
    void cancellingAQueuedTaskFreesItsPlaceAndItNeverRuns() throws Exception {
        TaskLimiter limiter = limiter(1, 1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> holder = hold(limiter, release);
        AtomicBoolean ran = new AtomicBoolean();
        TaskLimiter.Submission<Boolean> queued = limiter.trySubmit(() -> {
            ran.set(true);
            return true;
        });
        assertThat(queued.admission()).isEqualTo(Admission.QUEUED);

        assertThat(queued.future().cancel(false)).isTrue();

        assertThat(limiter.waiting()).isZero();
        TaskLimiter.Submission<String> next = limiter.trySubmit(() -> "next");
        assertThat(next.admission()).isEqualTo(Admission.QUEUED); // the freed place is usable at once
        release.countDown();
        holder.get(5, TimeUnit.SECONDS);
        assertThat(next.future().get(5, TimeUnit.SECONDS)).isEqualTo("next");
        assertThat(ran).isFalse();
        assertThat(limiter.stats().cancelled()).isEqualTo(1);
        assertThat(limiter.inFlight()).isZero();
    }

    @Test
    void cancellingADispatchedTaskBeforeItStartsSkipsItAndGivesThePermitBack() throws Exception {
        BlockingQueue<Runnable> handedOver = new LinkedBlockingQueue<>();
        TaskLimiter limiter = track(TaskLimiter.builder("manual")
                .maxConcurrent(1)
                .executor(handedOver::add)
                .build());
        AtomicBoolean ran = new AtomicBoolean();
        TaskLimiter.Submission<Boolean> s = limiter.trySubmit(() -> {
            ran.set(true);
            return true;
        });
        assertThat(s.admission()).isEqualTo(Admission.ACCEPTED);
        assertThat(limiter.inFlight()).isEqualTo(1);

        s.future().cancel(true);
        Runnable r = handedOver.poll(5, TimeUnit.SECONDS);
        assertThat(r).isNotNull();
        r.run();

        assertThat(ran).isFalse();
        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.stats().cancelled()).isEqualTo(1);
    }

    @Test
    void cancellingARunningTaskInterruptsItAndGivesThePermitBack() throws Exception {
        TaskLimiter limiter = limiter(1, 0);
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean sawInterrupt = new AtomicBoolean();
        TaskLimiter.Submission<String> s = limiter.trySubmit(() -> {
            started.countDown();
            try {
                gate.await();
            } catch (InterruptedException e) {
                sawInterrupt.set(true);
                throw e;
            }
            return "finished";
        });
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        assertThat(s.future().cancel(true)).isTrue();

        assertThat(s.future()).isCancelled();
        await().until(() -> limiter.inFlight() == 0);
        assertThat(sawInterrupt).isTrue();
        assertThat(limiter.stats().cancelled()).isEqualTo(1);
        assertThat(limiter.stats().failed()).isZero();
    }

    @Test
    void cancelInterruptDoesNotLeakIntoTheExecutorThreadsNextTask() throws Exception {
        BlockingQueue<Runnable> work = new LinkedBlockingQueue<>();
        Thread worker = Thread.ofPlatform().daemon().start(() -> {
            try {
                while (true) {
                    work.take().run(); // a bare worker that never clears interrupts itself
                }
            } catch (InterruptedException e) {
                // test over
            }
        });
        try {
            TaskLimiter limiter = track(TaskLimiter.builder("one-thread")
                    .maxConcurrent(1)
                    .maxWaiting(1)
                    .executor(work::add)
                    .closeTimeout(Duration.ofSeconds(1))
                    .build());
            CountDownLatch started = new CountDownLatch(1);
            AtomicBoolean stop = new AtomicBoolean();
            TaskLimiter.Submission<String> busy = limiter.trySubmit(() -> {
                started.countDown();
                while (!stop.get()) {
                    Thread.onSpinWait(); // ignores interrupts on purpose
                }
                return "busy";
            });
            TaskLimiter.Submission<Boolean> next =
                    limiter.trySubmit(() -> Thread.currentThread().isInterrupted());
            assertThat(next.admission()).isEqualTo(Admission.QUEUED);
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

            busy.future().cancel(true); // interrupts the worker while "busy" runs
            stop.set(true);

            assertThat(next.future().get(5, TimeUnit.SECONDS)).isFalse();
            assertThat(limiter.stats().cancelled()).isEqualTo(1);
        } finally {
            worker.interrupt();
        }
    }

    @Test
    void permitComesBackWhenTheTaskIsInterrupted() throws Exception {
        TaskLimiter limiter = limiter(1, 0);
        AtomicReference<@Nullable Thread> runner = new AtomicReference<>();
        CompletableFuture<String> f = limiter.trySubmit(() -> {
                    runner.set(Thread.currentThread());
                    gate.await();
                    return "never";
                })
                .future();
        await().until(() -> runner.get() != null);

        Thread t = runner.get();
        assertThat(t).isNotNull();
        t.interrupt();

        assertThat(f)
                .failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(InterruptedException.class);
        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.stats().failed()).isEqualTo(1);
    }

    @Test
    void executorRefusalGivesThePermitBackAndReportsFull() {
        TaskLimiter limiter = track(TaskLimiter.builder("refusing")
                .maxConcurrent(1)
                .executor(r -> {
                    throw new RejectedExecutionException("executor shut down");
                })
                .build());

        assertThat(limiter.tryExecute(() -> {})).isEqualTo(Admission.FULL);
        TaskLimiter.Submission<String> s = limiter.trySubmit(() -> "x");
        assertThat(s.admission()).isEqualTo(Admission.FULL);
        assertThat(s.future())
                .failsWithin(Duration.ZERO)
                .withThrowableOfType(ExecutionException.class)
                .havingCause()
                .isInstanceOf(RejectedException.class)
                .withMessageStartingWith("task limiter 'refusing': executor refused the task")
                .withCauseInstanceOf(RejectedExecutionException.class);
        assertThatThrownBy(() -> limiter.submit(() -> "y", Duration.ofMillis(50)))
                .isInstanceOf(RejectedException.class)
                .hasCauseInstanceOf(RejectedExecutionException.class);

        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.stats().rejected()).isEqualTo(3);
        assertThat(limiter.stats().submitted()).isEqualTo(3);
    }

    @Test
    void executorRefusingATaskFromTheLineFailsItAndPassesThePermitOn() throws Exception {
        AtomicBoolean refuse = new AtomicBoolean();
        TaskLimiter limiter = track(TaskLimiter.builder("flaky")
                .maxConcurrent(1)
                .maxWaiting(2)
                .executor(r -> {
                    if (refuse.get()) {
                        throw new RejectedExecutionException("no more threads");
                    }
                    Thread.startVirtualThread(r);
                })
                .build());
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> holder = hold(limiter, release);
        TaskLimiter.Submission<String> a = limiter.trySubmit(() -> "a");
        TaskLimiter.Submission<String> b = limiter.trySubmit(() -> "b");
        assertThat(a.admission()).isEqualTo(Admission.QUEUED);
        assertThat(b.admission()).isEqualTo(Admission.QUEUED);

        refuse.set(true);
        release.countDown();
        holder.get(5, TimeUnit.SECONDS);

        for (TaskLimiter.Submission<String> s : List.of(a, b)) {
            assertThat(s.future())
                    .failsWithin(Duration.ofSeconds(5))
                    .withThrowableOfType(ExecutionException.class)
                    .havingCause()
                    .isInstanceOf(RejectedException.class)
                    .withMessageStartingWith("task limiter 'flaky': executor refused a task from the waiting line");
        }
        await().until(() -> limiter.inFlight() == 0);
        assertThat(limiter.waiting()).isZero();
        assertThat(limiter.stats().failed()).isEqualTo(2);
    }

    // ------------------------------------------------------------------ bare permits

    @Test
    void barePermitsCountAgainstTheLimitAndCloseIsIdempotent() {
        TaskLimiter limiter = limiter(2, 0);

        TaskLimiter.Permit first = limiter.tryAcquirePermit();
        TaskLimiter.Permit second = limiter.tryAcquirePermit();

        assertThat(first).isNotNull();
        assertThat(second).isNotNull();
        assertThat(limiter.tryAcquirePermit()).isNull();
        assertThat(limiter.tryExecute(() -> {})).isEqualTo(Admission.FULL);
        assertThat(limiter.inFlight()).isEqualTo(2);

        first.close();
        first.close();
        first.close();
        assertThat(limiter.inFlight()).isEqualTo(1);

        try (TaskLimiter.Permit third = limiter.tryAcquirePermit()) {
            assertThat(third).isNotNull();
            assertThat(limiter.inFlight()).isEqualTo(2);
        }
        second.close();
        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.stats().submitted()).isEqualTo(1); // bare permits are not tasks
    }

    @Test
    void barePermitIsNotHandedOutPastTasksWaitingInLine() throws Exception {
        TaskLimiter limiter = limiter(1, 1);
        TaskLimiter.Permit held = limiter.tryAcquirePermit();
        assertThat(held).isNotNull();
        CountDownLatch ran = new CountDownLatch(1);
        assertThat(limiter.tryExecute(ran::countDown)).isEqualTo(Admission.QUEUED);

        held.close(); // hands the permit to the queued task, does not free it

        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        await().until(() -> limiter.inFlight() == 0);
        try (TaskLimiter.Permit free = limiter.tryAcquirePermit()) {
            assertThat(free).isNotNull();
        }
    }

    // ------------------------------------------------------------------ listener

    @Test
    void listenerHearsDurationsFromTheTickerAndOutcomes() throws Exception {
        AtomicLong now = new AtomicLong();
        List<String> heard = new CopyOnWriteArrayList<>();
        TaskLimiter limiter = track(TaskLimiter.builder("timed")
                .maxConcurrent(1)
                .ticker(() -> now.addAndGet(1_000)) // each reading is 1 us after the previous one
                .listener(new TaskLimiterListener() {
                    @Override
                    public void onTaskFinished(long durationNanos, TaskLimiter.Outcome outcome) {
                        heard.add(outcome + "/" + durationNanos);
                    }
                })
                .build());

        limiter.trySubmit(() -> "ok").future().get(5, TimeUnit.SECONDS);
        assertThatThrownBy(() -> limiter.trySubmit(() -> {
                            throw new IllegalStateException("expected");
                        })
                        .future()
                        .get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class);

        assertThat(heard).containsExactly("SUCCESS/1000", "FAILURE/1000");
    }

    @Test
    void throwingListenerNeverBreaksTheLimiter() throws Exception {
        TaskLimiter limiter = track(TaskLimiter.builder("bad-listener")
                .maxConcurrent(1)
                .listener(new TaskLimiterListener() {
                    @Override
                    public void onRejected(Admission reason) {
                        throw new IllegalStateException("listener failure (expected in this test)");
                    }

                    @Override
                    public void onTaskFinished(long durationNanos, TaskLimiter.Outcome outcome) {
                        throw new IllegalStateException("listener failure (expected in this test)");
                    }
                })
                .build());
        CompletableFuture<String> holder = hold(limiter, gate);

        assertThat(limiter.tryExecute(() -> {})).isEqualTo(Admission.FULL);
        gate.countDown();
        assertThat(holder.get(5, TimeUnit.SECONDS)).isEqualTo("held");
        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.trySubmit(() -> "again").future().get(5, TimeUnit.SECONDS))
                .isEqualTo("again");
    }

    // ------------------------------------------------------------------ close

    @Test
    void closeRefusesNewWorkButRunsEveryTaskAlreadyInLine() throws Exception {
        TaskLimiter limiter = limiter(1, 2);
        CountDownLatch release = new CountDownLatch(1);
        hold(limiter, release);
        List<String> ran = new CopyOnWriteArrayList<>();
        assertThat(limiter.tryExecute(() -> ran.add("q1"))).isEqualTo(Admission.QUEUED);
        assertThat(limiter.trySubmit(() -> ran.add("q2")).admission()).isEqualTo(Admission.QUEUED);

        CompletableFuture<Void> closing = CompletableFuture.runAsync(limiter::close, Thread::startVirtualThread);
        await().until(limiter::isClosed);

        assertThat(limiter.tryExecute(() -> ran.add("late"))).isEqualTo(Admission.CLOSED);
        TaskLimiter.Submission<Boolean> refused = limiter.trySubmit(() -> ran.add("late"));
        assertThat(refused.admission()).isEqualTo(Admission.CLOSED);
        assertThat(refused.future())
                .failsWithin(Duration.ZERO)
                .withThrowableOfType(ExecutionException.class)
                .havingCause()
                .isInstanceOf(RejectedException.class)
                .withMessage("task limiter 'test': closed (maxConcurrent=1, inFlight=1, waiting=2, maxWaiting=2)");
        assertThatThrownBy(() -> limiter.submit(() -> ran.add("late"), Duration.ofSeconds(1)))
                .isInstanceOfSatisfying(
                        RejectedException.class, e -> assertThat(e.reason()).isEqualTo(Admission.CLOSED));
        assertThat(limiter.tryAcquirePermit()).isNull();
        assertThat(closing).isNotDone();

        release.countDown();
        closing.get(5, TimeUnit.SECONDS);

        assertThat(ran).containsExactly("q1", "q2");
        assertThat(limiter.awaitTermination(Duration.ZERO)).isTrue();
        TaskLimiter.Stats stats = limiter.stats();
        assertThat(stats.submitted()).isEqualTo(stats.rejected() + stats.completed());
        assertThat(stats.completed()).isEqualTo(3);
    }

    @Test
    void closeRefusesCallersBlockedInTimedSubmit() throws Exception {
        TaskLimiter limiter = track(TaskLimiter.builder("test")
                .maxConcurrent(1)
                .closeTimeout(Duration.ofMillis(50))
                .build());
        hold(limiter, gate);
        CompletableFuture<CompletableFuture<String>> caller =
                CompletableFuture.supplyAsync(() -> limiter.submit(() -> "x", Duration.ofSeconds(30)));
        await().until(() -> limiter.waiting() == 1);

        limiter.close();

        assertThat(caller)
                .failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(ExecutionException.class)
                .havingCause()
                .isInstanceOfSatisfying(
                        RejectedException.class, e -> assertThat(e.reason()).isEqualTo(Admission.CLOSED));
        assertThat(limiter.waiting()).isZero();
    }

    @Test
    void closeGivesUpAfterCloseTimeoutAndLeavesRunningTasksRunning() throws Exception {
        TaskLimiter limiter = track(TaskLimiter.builder("slow-close")
                .maxConcurrent(2)
                .closeTimeout(Duration.ofMillis(50))
                .build());
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> running = hold(limiter, release);

        limiter.close(); // logs a WARN: 1 task still running

        assertThat(limiter.isClosed()).isTrue();
        assertThat(limiter.inFlight()).isEqualTo(1);
        assertThat(limiter.awaitTermination(Duration.ZERO)).isFalse();
        release.countDown();
        assertThat(running.get(5, TimeUnit.SECONDS)).isEqualTo("held");
        assertThat(limiter.awaitTermination(Duration.ofSeconds(5))).isTrue();
    }

    @Test
    void closeIsIdempotentAndLaterCallsReturnAtOnce() throws Exception {
        TaskLimiter limiter = limiter(1, 0);
        CountDownLatch release = new CountDownLatch(1);
        hold(limiter, release);
        Thread firstCloser = Thread.startVirtualThread(limiter::close);
        await().until(limiter::isClosed);

        limiter.close(); // must not wait for the running task

        assertThat(firstCloser.isAlive()).isTrue();
        release.countDown();
        firstCloser.join();
        limiter.close();
        assertThat(limiter.awaitTermination(Duration.ZERO)).isTrue();
    }

    // ------------------------------------------------------------------ scale

    @Test
    void tenThousandVirtualThreadTasksPassThroughALimitOfOneHundred() throws Exception {
        int tasks = 10_000;
        int limit = 100;
        TaskLimiter limiter =
                track(TaskLimiter.builder("many").maxConcurrent(limit).build());
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        CountDownLatch firstWaveRunning = new CountDownLatch(limit);
        CountDownLatch allDone = new CountDownLatch(tasks);

        for (int i = 0; i < tasks; i++) {
            int id = i;
            limiter.submit(
                    () -> {
                        int now = running.incrementAndGet();
                        maxRunning.accumulateAndGet(now, Math::max);
                        if (id < limit) {
                            // The first hundred wait for each other: proves the limit is reached, not
                            // just respected.
                            firstWaveRunning.countDown();
                            firstWaveRunning.await();
                        }
                        running.decrementAndGet();
                        allDone.countDown();
                        return null;
                    },
                    Duration.ofSeconds(5));
        }

        assertThat(allDone.await(8, TimeUnit.SECONDS)).isTrue();
        assertThat(maxRunning.get()).isEqualTo(limit);
        await().until(() -> limiter.inFlight() == 0);
        TaskLimiter.Stats stats = limiter.stats();
        assertThat(stats.completed()).isEqualTo(tasks);
        assertThat(stats.submitted()).isEqualTo(tasks);
        assertThat(stats.rejected()).isZero();
    }

    @Test
    void defaultExecutorRunsEachTaskOnANamedVirtualThread() throws Exception {
        TaskLimiter limiter = track(TaskLimiter.builder("vt").build());
        CompletableFuture<Thread> f = limiter.trySubmit(Thread::currentThread).future();
        Thread t = f.get(5, TimeUnit.SECONDS);
        assertThat(t.isVirtual()).isTrue();
        assertThat(t.getName()).startsWith("vt-");
        assertThat(limiter.stats().maxConcurrent()).isEqualTo(TaskLimiter.DEFAULT_MAX_CONCURRENT);
    }
}
