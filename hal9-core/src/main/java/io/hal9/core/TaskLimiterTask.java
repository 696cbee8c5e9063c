package io.hal9.core;

import io.hal9.core.internal.WaiterFifo;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * One task of a {@link TaskLimiterImpl}: the {@link Runnable} handed to the executor, the future handed
 * to the caller, and the node of the limiter's waiting line, in one object (the only allocation of
 * {@code tryExecute}).
 *
 * <p>Design: a {@link java.util.concurrent.FutureTask}-like state machine on {@link #state}. Only
 * these transitions exist, each made by the party named:
 *
 * <pre>
 * NEW        → DISPATCHED    caller holding a permit (fast path or offer())
 * NEW        → QUEUED        caller, under the lock: took a place in the line
 * NEW        → WAITING       caller, under the lock: blocks in a timed submit
 * WAITING    → GRANTED       releaser, under the lock: hands its permit over (no line configured)
 * WAITING    → QUEUED        releaser or canceller, under the lock: the line has room again
 * WAITING    → DONE          caller, under the lock: timed out or interrupted
 * WAITING    → REFUSED       close(), under the lock
 * GRANTED    → DISPATCHED    caller
 * QUEUED     → DISPATCHED    releaser, under the lock: hands its permit over
 * QUEUED     → DONE          cancel(), under the lock
 * DISPATCHED → RUNNING       run()
 * DISPATCHED → DONE          dispatcher, when the executor refuses the task
 * RUNNING    → DONE          run()
 * RUNNING    → INTERRUPTING  cancel(true), then → INTERRUPTED once the thread is interrupted;
 *                            run() then moves it to DONE
 * </pre>
 *
 * <p>Concurrency: {@link #state} is read and written with volatile VarHandle accesses (see each for
 * why). {@link #runner} is a plain field: written by the running thread before its CAS to RUNNING
 * (which publishes it) and read by {@link #cancel} only after its own CAS from RUNNING to
 * INTERRUPTING, which {@code run()} waits out before clearing it. {@link #caller}, {@link #prev} and
 * {@link #next} are guarded by the limiter's lock ({@code caller} is written before the task is linked
 * and read by the lock holder).
 *
 * <p>Invariants: a task holds a permit from GRANTED/DISPATCHED until run() ends (or the executor
 * refuses it), and gives it back exactly once; a task in QUEUED or WAITING holds a place counted in
 * the limiter's {@code waiting}, given back by whoever moves it on; a task is linked into at most one
 * of the limiter's two lists at a time, and only while QUEUED or WAITING.
 *
 * <p>Cancellation: {@code cancel(true)} of a running task interrupts its thread; {@code run()} then
 * clears that interrupt before the thread leaves, so it never leaks into the executor's next task.
 * Dependent stages created from this future are plain {@link CompletableFuture}s (the JDK's {@code
 * newIncompleteFuture}), so cancelling a dependent does not cancel the task.
 *
 * <p>Thread safety: safe for use by the caller, the executor thread and releasers at once.
 */
final class TaskLimiterTask<T> extends CompletableFuture<T> implements Runnable, WaiterFifo.Node<TaskLimiterTask<?>> {
    static final int NEW = 0;
    static final int WAITING = 1;
    static final int QUEUED = 2;
    static final int GRANTED = 3;
    static final int DISPATCHED = 4;
    static final int RUNNING = 5;
    static final int INTERRUPTING = 6;
    static final int INTERRUPTED = 7;
    static final int DONE = 8;
    static final int REFUSED = 9;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(TaskLimiterTask.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final TaskLimiterImpl limiter;
    private final @Nullable Callable<T> callable;
    private final @Nullable Runnable runnable;

    /** Accessed through {@link #STATE}; starts at NEW (0). */
    private volatile int state;

    private @Nullable Thread runner;

    /** The caller blocked in a timed submit; guarded by the limiter's lock. */
    @Nullable
    Thread caller;

    /** Links of the limiter's waiting line or waiter list; guarded by the limiter's lock. */
    @Nullable
    TaskLimiterTask<?> prev;

    @Nullable
    TaskLimiterTask<?> next;

    private TaskLimiterTask(TaskLimiterImpl limiter, @Nullable Callable<T> callable, @Nullable Runnable runnable) {
        this.limiter = limiter;
        this.callable = callable;
        this.runnable = runnable;
    }

    // The links, for the limiter's WaiterFifo only (under the limiter's lock): plain accesses.

    @Override
    public @Nullable TaskLimiterTask<?> fifoPrev() {
        return prev;
    }

    @Override
    public void fifoPrev(@Nullable TaskLimiterTask<?> p) {
        prev = p;
    }

    @Override
    public @Nullable TaskLimiterTask<?> fifoNext() {
        return next;
    }

    @Override
    public void fifoNext(@Nullable TaskLimiterTask<?> n) {
        next = n;
    }

    static <T> TaskLimiterTask<T> of(TaskLimiterImpl limiter, Callable<T> callable) {
        return new TaskLimiterTask<>(limiter, callable, null);
    }

    static TaskLimiterTask<@Nullable Void> of(TaskLimiterImpl limiter, Runnable runnable) {
        return new TaskLimiterTask<>(limiter, null, runnable);
    }

    /** True for {@code tryExecute} tasks, whose future nobody sees. */
    boolean isFireAndForget() {
        return runnable != null;
    }

    int phase() {
        // volatile read: pairs with the volatile writes below; cancel() needs it for its Dekker-style
        // check against run() (see run()).
        return (int) STATE.getVolatile(this);
    }

    void setPhase(int newState) {
        // volatile write: a parked caller polls phase() without the lock, so the transition must be
        // visible to it after unpark, together with everything written before.
        STATE.setVolatile(this, newState);
    }

    void setDispatched() {
        // release write is enough: the executor hands the task over with a happens-before edge, and
        // cancel() only acts on DISPATCHED through run() or on QUEUED after re-checking under the lock.
        STATE.setRelease(this, DISPATCHED);
    }

    boolean casPhase(int expected, int newState) {
        return STATE.compareAndSet(this, expected, newState);
    }

    @Override
    public void run() {
        // plain write, published to cancel() by the CAS below
        runner = Thread.currentThread();
        if (!STATE.compareAndSet(this, DISPATCHED, RUNNING)) {
            // Not dispatched (an executor running a task twice): not ours to run.
            runner = null;
            return;
        }
        // Dekker pair with cancel(): we CAS state then read the future's (volatile) result; cancel()
        // writes the result then reads state. At least one of us sees the other: either we skip the
        // task, or cancel(true) sees RUNNING and interrupts us.
        if (isDone()) {
            settle();
            limiter.finished(this, TaskLimiter.Outcome.CANCELLED, 0L, null);
            return;
        }
        boolean timed = limiter.timed;
        long start = timed ? limiter.ticker.read() : 0L;
        @Nullable T value = null;
        @Nullable Throwable failure = null;
        try {
            if (callable != null) {
                value = callable.call();
            } else if (runnable != null) {
                runnable.run();
            }
        } catch (Throwable e) {
            failure = e;
        }
        settle();
        long nanos = timed ? limiter.ticker.read() - start : 0L;
        TaskLimiter.Outcome outcome = isCancelled()
                ? TaskLimiter.Outcome.CANCELLED
                : failure != null ? TaskLimiter.Outcome.FAILURE : TaskLimiter.Outcome.SUCCESS;
        try {
            // The permit comes back before the future completes: whoever sees the result also sees
            // the permit returned and the counters updated.
            limiter.finished(this, outcome, nanos, failure);
        } finally {
            if (failure != null) {
                completeExceptionally(failure);
            } else {
                complete(value);
            }
        }
    }

    /** Leaves RUNNING; if cancel(true) is interrupting us, waits for it and clears its interrupt. */
    private void settle() {
        if (!STATE.compareAndSet(this, RUNNING, DONE)) {
            // cancel() won the CAS to INTERRUPTING and is about to interrupt (or has interrupted) us.
            while ((int) STATE.getVolatile(this) == INTERRUPTING) {
                Thread.onSpinWait();
            }
            // The interrupt was meant for this task only: do not let it leak to the thread's next job.
            Thread.interrupted();
            STATE.setVolatile(this, DONE);
        }
        runner = null;
    }

    /**
     * Cancels the task: if it waits in the line, it leaves it (never runs, place freed); if it has been
     * dispatched but not started, it will not run; if it is running and {@code mayInterruptIfRunning},
     * its thread is interrupted. The permit comes back when the task's thread lets go of it.
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean result = super.cancel(mayInterruptIfRunning);
        if (isCancelled()) {
            // Idempotent follow-up: each step below re-checks the state it acts on.
            int s = phase();
            if (s == QUEUED) {
                limiter.cancelQueued(this);
            } else if (s == RUNNING && mayInterruptIfRunning && STATE.compareAndSet(this, RUNNING, INTERRUPTING)) {
                try {
                    Thread t = runner;
                    if (t != null) {
                        t.interrupt();
                    }
                } finally {
                    // volatile write: releases run()'s settle() spin
                    STATE.setVolatile(this, INTERRUPTED);
                }
            }
        }
        return result;
    }
}
