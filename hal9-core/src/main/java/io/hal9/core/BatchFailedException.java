package io.hal9.core;

import java.io.Serial;

/**
 * Completes the future of a tracked {@link ActionBatcher} submission whose action was dead-lettered:
 * the sink kept failing, or failed permanently for this action. The cause is the sink's last
 * exception.
 *
 * <p>Thread safety: immutable once thrown.
 */
public class BatchFailedException extends Hal9Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message naming the batcher and the sink's last failure. */
    public BatchFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
