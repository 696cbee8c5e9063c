package io.hal9.pool.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * The {@link JdbcBatchSink} implementation: one prepared statement per call, executed in chunks of
 * {@code chunkSize} inside the transaction {@link TransactionalSink} opens.
 *
 * <p>Design / Concurrency: see {@link TransactionalSink}; the binder and SQL are immutable.
 */
final class JdbcBatchSinkImpl<T> extends TransactionalSink<T> implements JdbcBatchSink<T> {
    private final String sql;
    private final StatementBinder<T> binder;
    private final int chunkSize;

    JdbcBatchSinkImpl(JdbcBatchSink.Builder<T> b) {
        super(b.name, b.component, b.dataSource);
        this.sql = b.sql;
        this.binder = b.binder;
        this.chunkSize = b.chunkSize;
    }

    @Override
    void writeBatch(Connection c, List<T> batch) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int pending = 0;
            for (T action : batch) {
                binder.bind(ps, action);
                ps.addBatch();
                if (++pending == chunkSize) {
                    ps.executeBatch();
                    pending = 0;
                }
            }
            if (pending > 0) {
                ps.executeBatch();
            }
        }
    }
}
