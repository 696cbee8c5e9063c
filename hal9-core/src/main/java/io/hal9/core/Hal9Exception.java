package io.hal9.core;

import java.io.Serial;
import org.jspecify.annotations.Nullable;

/**
 * The root of every exception HAL9 throws. All are unchecked: no HAL9 API declares a checked
 * exception. Subtypes name the component and carry its live state in the message, e.g. {@code
 * task limiter 'matchmaking': no permit within 50ms (limit=100, inFlight=100, waiting=12)}.
 *
 * <p>Thread safety: immutable once thrown.
 */
public class Hal9Exception extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a message that names the component and what went wrong. */
    public Hal9Exception(String message) {
        super(message);
    }

    /** Creates an exception with a message and the cause that led to it. */
    public Hal9Exception(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
