package io.hal9.pool.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one scheduler that every hal9-pool instance shares for its periodic chores (idle eviction, max
 * lifetime, minimum fill, creation retries, leak checks): a single daemon thread named {@code
 * hal9-housekeeper}, started on first use, instead of a thread per pool.
 *
 * <p>Tasks run on the shared thread must be short and must not block (no I/O, no user callbacks that
 * may block): a pool's task only decides what to do and hands blocking work (creating or destroying
 * connections) to that pool's own executor. A task that throws is logged at WARN and keeps its
 * schedule.
 *
 * <p>Not part of the API. Thread safety: all methods may be called from any thread.
 */
public final class Housekeeper {
    private static final Logger LOG = LoggerFactory.getLogger(Housekeeper.class);

    private Housekeeper() {}

    /**
     * The shared scheduler: one daemon thread, cancelled tasks removed from its queue at once, nothing
     * run after shutdown. Never shut it down: other pools use it.
     */
    public static ScheduledExecutorService shared() {
        return Holder.INSTANCE;
    }

    /**
     * Runs {@code task} every {@code period} (first run after one period) on {@code scheduler}. An
     * exception thrown by the task is logged at WARN, naming {@code owner}, and does not cancel the
     * schedule (a bare {@link ScheduledExecutorService#scheduleWithFixedDelay} would silently stop).
     *
     * @param owner the component's kind and name for log messages, e.g. {@code "pool 'matchmaking'"}
     * @return the schedule; cancel it when the owner closes
     * @throws java.util.concurrent.RejectedExecutionException if the scheduler was shut down
     */
    public static ScheduledFuture<?> scheduleWithFixedDelay(
            ScheduledExecutorService scheduler, String owner, Runnable task, Duration period) {
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(task, "task");
        long nanos = period.toNanos();
        if (nanos <= 0) {
            throw new IllegalArgumentException(owner + ": housekeeping period must be positive, was " + period);
        }
        return scheduler.scheduleWithFixedDelay(guarded(owner, task), nanos, nanos, TimeUnit.NANOSECONDS);
    }

    /** Wraps a task so that an exception is logged instead of ending a periodic schedule. */
    public static Runnable guarded(String owner, Runnable task) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(task, "task");
        return () -> {
            try {
                task.run();
            } catch (VirtualMachineError fatal) {
                throw fatal;
            } catch (Throwable t) {
                LOG.warn("{}: housekeeping task failed; it stays scheduled", owner, t);
            }
        };
    }

    /** Lazy holder: the thread starts when a pool first needs it. */
    private static final class Holder {
        static final ScheduledExecutorService INSTANCE = create();

        private static ScheduledExecutorService create() {
            ThreadFactory factory =
                    Thread.ofPlatform().name("hal9-housekeeper").daemon(true).factory();
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, factory);
            executor.setRemoveOnCancelPolicy(true);
            executor.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
            executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            return executor;
        }
    }
}
