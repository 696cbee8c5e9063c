package io.hal9.pool.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * Work done with a borrowed JDBC connection, allowed to throw {@link SQLException}: the lambda of
 * {@link ReadWriteRouter#reads(JdbcFunction)}, {@link ReadWriteRouter#writes(JdbcFunction)} and
 * {@link ReadWriteRouter#inTransaction(JdbcFunction)}. The router wraps an {@code SQLException} in a
 * {@link JdbcException}, so callers never see a checked exception.
 *
 * <p>The connection belongs to the caller only during {@link #apply}: do not keep it, and do not close
 * it (the router gives it back to its pool). Statements and result sets opened on it should be closed
 * inside the function (try-with-resources).
 *
 * <p>Thread safety: called on the thread that called the router, once per call.
 *
 * @param <R> the result type; may be {@code @Nullable} (e.g. {@code Void}) for work without a result
 */
@FunctionalInterface
public interface JdbcFunction<R extends @Nullable Object> {
    /**
     * Does the work.
     *
     * @param connection a pooled connection, valid during this call only
     * @return the result handed back to the router's caller
     * @throws SQLException to fail the call; the router wraps it in a {@link JdbcException}
     */
    R apply(Connection connection) throws SQLException;
}
