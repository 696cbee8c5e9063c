package io.hal9.core;

/**
 * Hears what an {@link ActionBatcher} does, for metrics and alerting ({@code hal9-metrics} binds it to
 * Micrometer). Every method has a no-op default; implement what you need.
 *
 * <p>Thread safety: {@link #onRefused} is called on the submitting thread; all other methods on the
 * batcher's flusher thread. Implementations must be fast and must not block; exceptions they throw
 * are logged and otherwise ignored.
 */
public interface BatcherListener {
    /** A submission was refused: {@link Admission#FULL} or {@link Admission#CLOSED}. */
    default void onRefused(Admission reason) {}

    /**
     * A batch was written by the sink.
     *
     * @param size actions in the batch (after merging, in aggregating mode)
     * @param writeNanos how long the successful sink call took
     * @param oldestAgeNanos how long the oldest action of the batch waited, from when the flusher
     *     first saw it to the start of the successful write
     */
    default void onBatchWritten(int size, long writeNanos, long oldestAgeNanos) {}

    /**
     * A sink call failed and will be retried.
     *
     * @param attempt the attempt that failed, from 1
     * @param size actions in the batch
     * @param cause the sink's exception
     */
    default void onRetry(int attempt, int size, Throwable cause) {}

    /** {@code count} actions were handed to the dead-letter handler because of {@code cause}. */
    default void onDeadLetter(int count, Throwable cause) {}

    /** No-op listener. */
    static BatcherListener noop() {
        return NoopBatcherListener.INSTANCE;
    }
}

enum NoopBatcherListener implements BatcherListener {
    INSTANCE
}
