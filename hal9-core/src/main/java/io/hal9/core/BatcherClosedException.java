package io.hal9.core;

import java.io.Serial;

/**
 * The cause handed to a {@link DeadLetterHandler} with the actions an {@link ActionBatcher} without a
 * journal could not write before {@link ActionBatcher#close()} gave up on its failing sink. The
 * handler is the last chance to keep them (write them to a file, another store, an alert).
 *
 * <p>Thread safety: immutable once thrown.
 */
public final class BatcherClosedException extends Hal9Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message names the batcher and why the actions were not written
     * @param lastFailure the sink's last failure, if any
     */
    public BatcherClosedException(String message, @org.jspecify.annotations.Nullable Throwable lastFailure) {
        super(message, lastFailure);
    }
}
