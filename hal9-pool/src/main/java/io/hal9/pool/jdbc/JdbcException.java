package io.hal9.pool.jdbc;

import io.hal9.core.Hal9Exception;
import java.io.Serial;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * An {@link SQLException} on its way out of {@code io.hal9.pool.jdbc}, unchecked: the message names
 * the component and what it was doing, e.g. {@code router 'games': read on replica 'games-r1' failed:
 * ERROR: relation "lobby" does not exist (SQLState 42P01)}; the SQLState and vendor code are kept, and
 * the original exception is the {@linkplain #getCause() cause}. (Named so as not to share a simple
 * name with Spring's or jOOQ's {@code DataAccessException} in a host that imports both.)
 *
 * <p>Thread safety: immutable once thrown.
 */
public class JdbcException extends Hal9Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The cause's SQLState, or null when the driver gave none. */
    private final @Nullable String sqlState;

    /** The cause's vendor error code. */
    private final int errorCode;

    /**
     * Creates the exception.
     *
     * @param message names the component and the failed operation
     * @param cause the JDBC failure; its SQLState and error code are kept
     */
    public JdbcException(String message, SQLException cause) {
        super(message, cause);
        this.sqlState = SqlFailures.sqlState(cause);
        this.errorCode = cause.getErrorCode();
    }

    /**
     * The five-character SQLState of the failure, e.g. {@code 23505} (unique violation) or {@code 08006}
     * (connection failure); taken from the first exception of the chain that has one.
     *
     * @return the SQLState, or {@code null} when the driver gave none
     */
    public @Nullable String sqlState() {
        return sqlState;
    }

    /** The vendor error code of the cause (0 for PostgreSQL, which uses SQLStates only). */
    public int errorCode() {
        return errorCode;
    }

    /**
     * Whether trying the same work again may succeed (connection lost, serialization failure,
     * deadlock, lock not available, server shutting down): {@link SqlFailures#isTransient} of this
     * exception.
     */
    public boolean isTransient() {
        return SqlFailures.isTransient(this);
    }
}
