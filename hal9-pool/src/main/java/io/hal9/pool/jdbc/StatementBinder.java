package io.hal9.pool.jdbc;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Sets the parameters of a {@link JdbcBatchSink}'s prepared statement from one action; the sink then
 * calls {@link PreparedStatement#addBatch()} itself.
 *
 * <p>Thread safety: called on the thread that writes the batch (an {@code ActionBatcher}'s flusher),
 * one action at a time. A binder that throws fails the whole batch, which is rolled back: an {@link
 * SQLException} is classified by its SQLState ({@link SqlFailures#isTransient}), any other exception
 * counts as permanent, so the batcher splits the batch and dead-letters the action that cannot be bound.
 *
 * @param <T> the action type
 */
@FunctionalInterface
public interface StatementBinder<T> {
    /**
     * Binds one action: {@code ps.setLong(1, action.id()); ps.setString(2, action.kind()); ...}.
     *
     * @param statement the sink's statement, with the previous action's parameters still set
     * @param action the action to bind
     * @throws SQLException from the driver's setters
     */
    void bind(PreparedStatement statement, T action) throws SQLException;
}
