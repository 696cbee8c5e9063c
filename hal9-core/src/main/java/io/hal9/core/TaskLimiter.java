package io.hal9.core;

import io.hal9.core.internal.BuilderOptions;
import io.hal9.core.internal.Checks;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import org.jspecify.annotations.Nullable;

/**
 * Runs tasks with at most {@code maxConcurrent} of them in flight at once: acquire a permit, start the
 * task on its own (virtual) thread, give the permit back when it ends, as one object that also counts,
 * reports and shuts down cleanly.
 *
 * <pre>{@code
 * TaskLimiter limiter =
 *         TaskLimiter.builder("matchmaking").maxConcurrent(100).build();
 * if (limiter.tryExecute(() -> matchmaker.match(ticket)) == Admission.FULL) {
 *     reply(ticket, "server busy, try again"); // backpressure, nothing was taken
 * }
 * CompletableFuture<Match> f = limiter.submit(() -> matchmaker.match(ticket), Duration.ofMillis(50));
 * }</pre>
 *
 * <p>Three ways in:
 *
 * <ul>
 *   <li>{@link #tryExecute(Runnable)} and {@link #trySubmit(Callable)} never block: the task runs now
 *       ({@link Admission#ACCEPTED}), waits in the optional bounded waiting line ({@link
 *       Admission#QUEUED}), or is refused ({@link Admission#FULL}, {@link Admission#CLOSED}).
 *   <li>{@link #submit(Callable, Duration)} waits up to a timeout for a permit or a place in the
 *       waiting line, then throws a {@link RejectedException} naming the limiter and its state.
 *   <li>{@link #tryAcquirePermit()} hands out a bare {@link Permit} for code that runs its own work.
 * </ul>
 *
 * <p>Limits: at most {@code maxConcurrent} permits are out (tasks running or dispatched to the
 * executor, plus bare permits); at most {@code maxWaiting} tasks wait in the line (default 0: no
 * line). Beyond that, {@code try…} calls answer {@link Admission#FULL} and timed calls wait. The line
 * and timed waiters are served first in, first out; a new arrival never overtakes them.
 *
 * <p>The permit of a task comes back however the task ends: normally, by an exception, by an
 * interrupt, by cancellation of its future (before it starts: it never runs; while running: its
 * thread is interrupted if {@code cancel(true)}), or because the executor refused it.
 *
 * <p>Lifecycle: {@link #close()} refuses new work with {@link Admission#CLOSED}, lets every accepted
 * task (running or waiting in the line) run to its end, and waits up to {@code closeTimeout} for them.
 * The executor is not shut down: it belongs to the caller (the default one needs no shutdown).
 *
 * <p>Thread safety: all methods may be called from any thread.
 */
public interface TaskLimiter extends AutoCloseable, Executor {

    /** Default {@code maxConcurrent}. */
    int DEFAULT_MAX_CONCURRENT = 100;

    /** Largest allowed {@code maxConcurrent}. */
    int MAX_CONCURRENT_LIMIT = 1_000_000;

    /** Largest allowed {@code maxWaiting}. */
    int MAX_WAITING_LIMIT = 1_000_000;

    /** Default {@code closeTimeout}. */
    Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    /** Starts a builder for a limiter named {@code name} (used in messages, logs and metric tags). */
    static Builder builder(String name) {
        return new Builder(Checks.name("task limiter", name));
    }

    /** The limiter's name. */
    String name();

    /**
     * The listener given to the builder, or null without one: how a metrics binder finds the recorder it serves,
     * and checks that the recorder it was given is this limiter's.
     */
    @Nullable
    TaskLimiterListener listener();

    /**
     * Offers a task without blocking.
     *
     * <p>If the task throws, it is counted as failed, reported to the listener and logged at WARN
     * (there is no future to carry the exception; use {@link #trySubmit(Callable)} to observe it). If
     * the executor refuses the task when it is handed over at once, the permit is returned and the
     * answer is {@link Admission#FULL}. Allocates nothing beyond the one wrapper the executor runs.
     *
     * @return {@link Admission#ACCEPTED} (runs now), {@link Admission#QUEUED} (runs when a permit
     *     frees, in arrival order), {@link Admission#FULL} or {@link Admission#CLOSED} (not taken)
     */
    Admission tryExecute(Runnable task);

    /**
     * The limiter as an {@link Executor}, for code that takes one (a {@code CompletableFuture}'s async
     * stage, a library's callback executor): the task runs as {@link #tryExecute(Runnable)} would run it,
     * now or in the waiting line. Never blocks.
     *
     * @throws RejectedExecutionException when the limiter is full or closed (nothing was taken); the
     *     message names the limiter, the answer and its state, e.g. {@code task limiter 'matchmaking'
     *     refused the task (FULL): inFlight=100, waiting=0}
     */
    @Override
    default void execute(Runnable task) {
        Admission a = tryExecute(task);
        if (a == Admission.FULL || a == Admission.CLOSED) {
            throw new RejectedExecutionException("task limiter '" + name() + "' refused the task (" + a + "): inFlight="
                    + inFlight() + ", waiting=" + waiting());
        }
    }

    /**
     * Offers a task without blocking and hands back both the answer and the task's future. A refused
     * submission ({@link Admission#FULL} or {@link Admission#CLOSED}) carries a future already failed
     * with a {@link RejectedException}, so {@code submission.admission()} tells "rejected" without
     * exceptions and {@code submission.future()} can be composed either way.
     *
     * <p>Cancelling the future frees the task's place: if it has not started it never runs; if it is
     * running and {@code cancel(true)} is used, its thread is interrupted.
     */
    <T> Submission<T> trySubmit(Callable<T> task);

    /**
     * Submits a task, waiting up to {@code timeout} for a permit or, if there is a waiting line, for a
     * place in it. Waiters are served in arrival order.
     *
     * @return the task's future (see {@link #trySubmit(Callable)} for cancellation)
     * @throws RejectedException with {@link Admission#FULL} and a message such as {@code task limiter
     *     'matchmaking': no permit within 50ms (maxConcurrent=100, inFlight=100, waiting=12,
     *     maxWaiting=0)} when the timeout expires (or the executor refused the task); with {@link
     *     Admission#CLOSED} when the limiter is or becomes closed. If the wait is interrupted, the
     *     interrupt flag is restored and the exception's reason is {@link Admission#FULL}.
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    <T> CompletableFuture<T> submit(Callable<T> task, Duration timeout);

    /**
     * Takes one permit if one is free now and nobody is waiting for it, for code that runs its own
     * work; returns {@code null} otherwise (limit reached, others waiting, or closed). Use it with
     * try-with-resources:
     *
     * <pre>{@code
     * try (TaskLimiter.Permit permit = limiter.tryAcquirePermit()) {
     *     if (permit == null) return busy();
     *     return doWork();
     * }
     * }</pre>
     *
     * <p>Bare permits count in {@link #inFlight()} but not in the task counters of {@link #stats()}.
     */
    @Nullable
    Permit tryAcquirePermit();

    /** Permits out now: tasks dispatched or running plus bare permits held. */
    int inFlight();

    /** Tasks in the waiting line plus callers blocked in {@link #submit(Callable, Duration)}. */
    int waiting();

    /** A snapshot of the limiter's figures. */
    Stats stats();

    /** Returns true once {@link #close()} has been called. */
    boolean isClosed();

    /**
     * Waits until the limiter is closed and every accepted task has finished (and every bare permit
     * has been returned), or until {@code timeout} expires.
     *
     * @return true if terminated; false on timeout, or if interrupted (the interrupt flag is then set)
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    boolean awaitTermination(Duration timeout);

    /**
     * Refuses new work from now on ({@link Admission#CLOSED}; callers blocked in {@link
     * #submit(Callable, Duration)} are refused too), lets accepted tasks, including those in the
     * waiting line, run to their end, and waits up to {@code closeTimeout} for them. If they are not
     * done by then, logs a WARN saying how many are still running and returns; they keep running.
     * Idempotent: later calls return at once. If interrupted while waiting, returns with the interrupt
     * flag set. Do not call it from one of the limiter's own tasks: it would wait for itself.
     */
    @Override
    void close();

    /** How a task ended, as reported to {@link TaskLimiterListener#onTaskFinished(long, Outcome)}. */
    enum Outcome {
        /** The task returned normally. */
        SUCCESS,
        /** The task threw, or the executor refused a task that had waited in the line. */
        FAILURE,
        /** The task's future was cancelled (or completed by its holder) before or while it ran. */
        CANCELLED
    }

    /**
     * A permit taken with {@link #tryAcquirePermit()}; {@link #close()} gives it back.
     *
     * <p>Thread safety: a permit belongs to one thread at a time (hand it over with a happens-before
     * edge, e.g. through a queue). {@code close()} is idempotent for its owner: a second call does
     * nothing. Two threads racing to close the same permit is a misuse.
     */
    interface Permit extends AutoCloseable {
        /** Returns the permit to its limiter; does nothing if already returned. */
        @Override
        void close();
    }

    /**
     * The answer to {@link #trySubmit(Callable)}: how the task was taken and its future. For {@link
     * Admission#FULL} and {@link Admission#CLOSED} the future is already failed with a {@link
     * RejectedException}.
     *
     * <p>Thread safety: immutable.
     */
    record Submission<T>(Admission admission, CompletableFuture<T> future) {
        /** Checks the components. */
        public Submission {
            Objects.requireNonNull(admission, "admission");
            Objects.requireNonNull(future, "future");
        }

        /** Returns true if the limiter took the task ({@link Admission#isAccepted()}). */
        public boolean isAccepted() {
            return admission.isAccepted();
        }
    }

    /**
     * A snapshot of a limiter's figures. Task counters count tasks offered through {@code
     * tryExecute}, {@code trySubmit} and {@code submit}; once every accepted task has ended, {@code
     * submitted == rejected + completed + failed + cancelled}.
     *
     * <p>Thread safety: immutable.
     *
     * @param maxConcurrent the configured limit
     * @param inFlight permits out (tasks dispatched or running plus bare permits)
     * @param waiting tasks in the waiting line plus blocked timed callers
     * @param submitted tasks offered, taken or not
     * @param rejected tasks refused (full, closed, timed out, or refused by the executor on hand-over)
     * @param completed tasks that returned normally
     * @param failed tasks that threw (or that the executor refused after they waited in the line)
     * @param cancelled tasks whose future was cancelled before or while they ran
     */
    record Stats(
            int maxConcurrent,
            int inFlight,
            int waiting,
            long submitted,
            long rejected,
            long completed,
            long failed,
            long cancelled) {}

    /**
     * Configures a {@link TaskLimiter}. Each option may be set once; setters check their argument at
     * once and {@link #build()} checks the whole.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     */
    final class Builder {
        final String name;
        final String component;
        private final BuilderOptions options;
        int maxConcurrent = DEFAULT_MAX_CONCURRENT;
        int maxWaiting;
        /** Default: a new virtual thread per task, named {@code <name>-<n>}. */
        Executor executor;

        Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        Ticker ticker = Ticker.system();

        /** Default: none, and then task durations are not measured. */
        @Nullable
        TaskLimiterListener listener;

        Builder(String name) {
            this.name = name;
            this.component = "task limiter '" + name + "'";
            this.options = new BuilderOptions(component);
            ThreadFactory factory = Thread.ofVirtual().name(name + "-", 0).factory();
            this.executor = command -> factory.newThread(command).start();
        }

        /** At most this many tasks in flight at once; default 100, in [1, 1000000]. */
        public Builder maxConcurrent(int maxConcurrent) {
            this.maxConcurrent = options.set(
                    "maxConcurrent",
                    Checks.inRange(component, "maxConcurrent", maxConcurrent, 1, MAX_CONCURRENT_LIMIT));
            return this;
        }

        /**
         * Size of the waiting line for tasks offered while all permits are out; default 0 (no line:
         * {@code try…} calls answer {@link Admission#FULL} at once), in [0, 1000000].
         */
        public Builder maxWaiting(int maxWaiting) {
            this.maxWaiting = options.set(
                    "maxWaiting", Checks.inRange(component, "maxWaiting", maxWaiting, 0, MAX_WAITING_LIMIT));
            return this;
        }

        /**
         * Where tasks run; default: a new virtual thread per task, named {@code <name>-<n>}. The
         * limiter never shuts this executor down.
         */
        public Builder executor(Executor executor) {
            this.executor = options.set("executor", Objects.requireNonNull(executor, "executor"));
            return this;
        }

        /** How long {@link TaskLimiter#close()} waits for accepted tasks; default 30 s, in [0, 24 h]. */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = options.set(
                    "closeTimeout",
                    Checks.duration(component, "closeTimeout", closeTimeout, Duration.ZERO, Duration.ofHours(24)));
            return this;
        }

        /** The time source for timeouts and task durations; default {@link Ticker#system()}. */
        public Builder ticker(Ticker ticker) {
            this.ticker = options.set("ticker", Objects.requireNonNull(ticker, "ticker"));
            return this;
        }

        /** Receives rejections and task durations; default: none. */
        public Builder listener(TaskLimiterListener listener) {
            this.listener = options.set("listener", Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Builds the limiter. Starts no thread. */
        public TaskLimiter build() {
            return new TaskLimiterImpl(this);
        }
    }
}
