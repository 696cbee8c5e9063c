package io.hal9.core;

/**
 * Receives what a {@link TaskLimiter} does, e.g. to time tasks and count rejections in a metrics
 * registry ({@code hal9-metrics} binds it to Micrometer). Every method has a no-op default.
 *
 * <p>Calls are made on the thread that caused the event (the caller for rejections, the task's thread
 * for {@link #onTaskFinished}); keep them short and non-blocking. An exception thrown by a listener is
 * caught and logged at WARN; it never breaks the limiter.
 *
 * <p>Thread safety: implementations must be safe to call from many threads at once.
 */
public interface TaskLimiterListener {

    /**
     * A task was refused.
     *
     * @param reason {@link Admission#FULL} (limit reached and line full, timed out, interrupted, or
     *     refused by the executor on hand-over) or {@link Admission#CLOSED}
     */
    default void onRejected(Admission reason) {}

    /**
     * A task that the limiter had taken has ended, and its permit or line place is being returned.
     *
     * @param durationNanos time the task ran, from the limiter's ticker; 0 if it never started
     * @param outcome how it ended
     */
    default void onTaskFinished(long durationNanos, TaskLimiter.Outcome outcome) {}
}
