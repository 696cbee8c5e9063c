package io.hal9.core;

import java.io.Serial;

/**
 * Thrown by {@link Closer#close()} when one or more of its resources failed to close. The message names the
 * closer and how many of its resources failed; the first failure (in closing order) is the {@linkplain
 * #getCause() cause} and the others are {@linkplain #getSuppressed() suppressed}, so a log of this one exception
 * shows every failure with its stack trace.
 *
 * <p>Thread safety: immutable once thrown.
 */
public final class CloseFailedException extends Hal9Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int failures;

    CloseFailedException(String message, Throwable first, int failures) {
        super(message, first);
        this.failures = failures;
    }

    /** How many resources failed to close (the cause plus the suppressed exceptions). */
    public int failures() {
        return failures;
    }
}
