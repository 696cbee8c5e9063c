package io.hal9.pool;

import io.hal9.core.Admission;
import io.hal9.core.RejectedException;
import java.io.Serial;
import org.jspecify.annotations.Nullable;

/**
 * Thrown by a pool's timed acquire when no connection became available within the timeout, or when
 * the wait was interrupted (the interrupt flag is then restored first). The {@link #reason()} is
 * always {@link Admission#FULL}; a closed pool throws a plain {@link RejectedException} with {@link
 * Admission#CLOSED} instead.
 *
 * <p>The message names the pool, its limit and its live state, e.g. {@code pool 'matchmaking': no
 * connection within 30000ms (maxConnections=100, inUse=100, idle=0, waiting=12, creating=0)}. If the
 * pool could not open connections at the time, the message adds the last creation failure and {@link
 * #getCause()} is that failure.
 *
 * <p>Thread safety: immutable once thrown.
 */
public final class PoolExhaustedException extends RejectedException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param component the pool's kind and name, e.g. {@code "pool 'matchmaking'"}
     * @param message the full message, naming the pool and its state
     * @param cause the last creation failure if connections could not be opened, else {@code null}
     */
    public PoolExhaustedException(String component, String message, @Nullable Throwable cause) {
        super(component, Admission.FULL, message);
        if (cause != null) {
            initCause(cause);
        }
    }
}
