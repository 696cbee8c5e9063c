package io.hal9.pool.jdbc;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.sql.SQLTransientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Tells transient JDBC failures (try again) from permanent ones (this data will never go in), the
 * classification an {@link io.hal9.core.ActionBatcher} needs as its {@code retryOn} predicate:
 * {@code ActionBatcher.builder("actions", sink).retryOn(SqlFailures::isTransient)}.
 *
 * <p><b>Transient</b> (the batcher retries the batch with backoff): an {@link SQLTransientException}
 * (which includes HikariCP's "connection is not available" timeout, {@code SQLTimeoutException} and
 * {@code SQLTransactionRollbackException}) or an {@link SQLRecoverableException} anywhere in the cause
 * chain; otherwise the SQLState of the first exception in the chain that has one:
 *
 * <ul>
 *   <li>class {@code 08}: connection exception (connection lost, refused, broken pipe);
 *   <li>{@code 40001} serialization failure, {@code 40P01} deadlock detected;
 *   <li>{@code 55P03} lock not available;
 *   <li>{@code 57P01} admin shutdown (e.g. {@code pg_terminate_backend}), {@code 57P02} crash
 *       shutdown, {@code 57P03} cannot connect now (server starting or in recovery);
 *   <li>{@code 53300} too many connections.
 * </ul>
 *
 * <p><b>Permanent</b> (the batcher splits the batch to isolate the poison action and dead-letters it):
 * everything else, notably class {@code 23} (integrity constraint violation: duplicate key, foreign
 * key, not null, check), {@code 22} (data exception: value too long, invalid input), {@code 42}
 * (syntax error or access rule violation, undefined table), any exception without an SQLState, and
 * any non-SQL exception (a binder's {@code NullPointerException}).
 *
 * <p>The chain is walked through {@link Throwable#getCause()} and {@link SQLException#getNextException()}
 * (JDBC drivers put the real failure of a batch there), so a {@link JdbcException} or a {@code
 * BatchUpdateException} is classified by what it wraps.
 *
 * <p>Thread safety: stateless.
 */
public final class SqlFailures {
    /** Enough for any real chain; bounds the walk if a driver builds a cycle. */
    private static final int MAX_CHAIN = 32;
    /** Longest driver message quoted in a wrapping exception's message. */
    private static final int MAX_MESSAGE = 300;

    private SqlFailures() {}

    /**
     * Whether the failure is worth retrying unchanged.
     *
     * @param failure any throwable, typically what a sink or a router call threw
     * @return true for the transient failures listed in the class comment
     */
    public static boolean isTransient(Throwable failure) {
        Objects.requireNonNull(failure, "failure");
        List<Throwable> chain = chain(failure);
        for (Throwable t : chain) {
            if (t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
                return true;
            }
        }
        String state = firstState(chain);
        return state != null && isTransientState(state);
    }

    /**
     * Whether an SQLState names a transient condition (see the class comment).
     *
     * @param sqlState a five-character SQLState
     * @return true for class 08, 40001, 40P01, 55P03, 57P01, 57P02, 57P03 and 53300
     */
    public static boolean isTransientState(String sqlState) {
        Objects.requireNonNull(sqlState, "sqlState");
        if (sqlState.startsWith("08")) {
            return true;
        }
        return switch (sqlState) {
            case "40001", "40P01", "55P03", "57P01", "57P02", "57P03", "53300" -> true;
            default -> false;
        };
    }

    /**
     * The SQLState of the first exception of the chain (causes and next exceptions) that has one.
     *
     * @param failure any throwable
     * @return the SQLState, or {@code null} when no exception of the chain has one
     */
    public static @Nullable String sqlState(Throwable failure) {
        Objects.requireNonNull(failure, "failure");
        return firstState(chain(failure));
    }

    /**
     * Whether the failure means the connection (or the server behind it) is gone: a connection
     * exception type, SQLState class {@code 08}, or {@code 57P0x} (server shutting down or terminating
     * the session).
     */
    static boolean isConnectionLoss(Throwable failure) {
        List<Throwable> chain = chain(failure);
        for (Throwable t : chain) {
            if (t instanceof SQLRecoverableException
                    || t instanceof SQLNonTransientConnectionException
                    || t instanceof SQLTransientConnectionException) {
                return true;
            }
        }
        String state = firstState(chain);
        return state != null && (state.startsWith("08") || state.startsWith("57P0"));
    }

    /**
     * The message of an SQLException with the driver's next exception and the SQLState, for wrapping.
     * Each message is cut to {@link #MAX_MESSAGE} characters: a driver's batch message can hold the
     * whole rewritten statement with its parameter values (player data, and megabytes of it).
     */
    static String describe(SQLException e) {
        String message = String.valueOf(e.getMessage());
        StringBuilder text = new StringBuilder(cut(message));
        SQLException next = e.getNextException();
        if (next != null && next != e) {
            String nextMessage = String.valueOf(next.getMessage());
            if (!message.contains(nextMessage)) {
                text.append(" (next: ").append(cut(nextMessage)).append(')');
            }
        }
        String state = sqlState(e);
        if (state != null) {
            text.append(" (SQLState ").append(state).append(')');
        }
        return text.toString();
    }

    private static String cut(String message) {
        if (message.length() <= MAX_MESSAGE) {
            return message;
        }
        return message.substring(0, MAX_MESSAGE) + "... (" + (message.length() - MAX_MESSAGE) + " more chars)";
    }

    private static @Nullable String firstState(List<Throwable> chain) {
        for (Throwable t : chain) {
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (state != null && !state.isEmpty()) {
                    return state;
                }
            }
        }
        return null;
    }

    /** The failure, its causes and next exceptions, breadth-first, each once, at most {@link #MAX_CHAIN}. */
    private static List<Throwable> chain(Throwable failure) {
        List<Throwable> seen = new ArrayList<>(4);
        seen.add(failure);
        for (int i = 0; i < seen.size() && seen.size() < MAX_CHAIN; i++) {
            Throwable t = seen.get(i);
            addOnce(seen, t.getCause());
            if (t instanceof SQLException sql) {
                addOnce(seen, sql.getNextException());
            }
        }
        return seen;
    }

    private static void addOnce(List<Throwable> seen, @Nullable Throwable t) {
        if (t == null || seen.size() >= MAX_CHAIN) {
            return;
        }
        for (Throwable s : seen) {
            if (s == t) {
                return;
            }
        }
        seen.add(t);
    }
}
