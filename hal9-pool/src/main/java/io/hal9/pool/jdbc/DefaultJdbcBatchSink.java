package io.hal9.pool.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/**
 * The {@link JdbcBatchSink} implementation.
 *
 * <p>Design / Concurrency: no state shared between calls but the counters ({@link LongAdder}s); each
 * call borrows its own connection and prepares its own statement. Invariants: a call either commits
 * every action of its batch or rolls all of them back; {@code commits + rollbacks} equals the calls
 * that got as far as a connection.
 */
final class DefaultJdbcBatchSink<T> implements JdbcBatchSink<T> {
    private final String name;
    private final String component;
    private final DataSource dataSource;
    private final String sql;
    private final StatementBinder<T> binder;
    private final int chunkSize;
    private final LongAdder commits = new LongAdder();
    private final LongAdder rows = new LongAdder();
    private final LongAdder rollbacks = new LongAdder();

    DefaultJdbcBatchSink(JdbcBatchSink.Builder<T> b) {
        this.name = b.name;
        this.component = b.component;
        this.dataSource = b.dataSource;
        this.sql = b.sql;
        this.binder = b.binder;
        this.chunkSize = b.chunkSize;
    }

    @Override
    public void write(List<T> batch) {
        Objects.requireNonNull(batch, "batch");
        int size = batch.size();
        if (size == 0) {
            return;
        }
        Connection c;
        try {
            c = dataSource.getConnection();
        } catch (SQLException e) {
            throw new DataAccessException(
                    component + ": no connection for a batch of " + size + ": " + SqlFailures.describe(e), e);
        }
        try (c) {
            boolean autoCommit = c.getAutoCommit();
            if (autoCommit) {
                c.setAutoCommit(false);
            }
            try {
                writeAll(c, batch);
                c.commit();
            } catch (Throwable t) {
                rollbacks.increment();
                JdbcSupport.rollbackQuietly(c, t);
                throw t;
            } finally {
                if (autoCommit) {
                    JdbcSupport.restoreAutoCommit(c);
                }
            }
            commits.increment();
            rows.add(size);
        } catch (SQLException e) {
            throw new DataAccessException(
                    component + ": batch of " + size + " rolled back: " + SqlFailures.describe(e), e);
        }
    }

    private void writeAll(Connection c, List<T> batch) throws SQLException {
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

    @Override
    public String name() {
        return name;
    }

    @Override
    public BatchSinkStats stats() {
        return new BatchSinkStats(commits.sum(), rows.sum(), rollbacks.sum());
    }

    @Override
    public String toString() {
        return component + "[" + stats() + "]";
    }
}
