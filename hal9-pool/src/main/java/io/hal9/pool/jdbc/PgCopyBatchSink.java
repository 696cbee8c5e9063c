package io.hal9.pool.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * The {@link CopyBatchSink} implementation on PostgreSQL's {@code CopyManager}.
 *
 * <p>Design / Concurrency: no state shared between calls but the counters ({@link LongAdder}s); each
 * call borrows its own connection and encodes into its own {@link CopyTextEncoder}. Invariants: a call
 * either commits every row of its batch (and the server counted exactly that many) or cancels the COPY
 * and rolls back.
 */
final class PgCopyBatchSink<T> implements CopyBatchSink<T> {
    private final String name;
    private final String component;
    private final DataSource dataSource;
    private final List<String> columns;
    private final CopyRowWriter<T> writer;
    private final int bufferSize;
    private final String sql;
    private final LongAdder commits = new LongAdder();
    private final LongAdder rows = new LongAdder();
    private final LongAdder rollbacks = new LongAdder();

    PgCopyBatchSink(CopyBatchSink.Builder<T> b) {
        this.name = b.name;
        this.component = b.component;
        this.dataSource = b.dataSource;
        this.columns = b.columns;
        this.writer = b.writer;
        this.bufferSize = b.bufferSize;
        this.sql = "COPY " + b.table + " (" + String.join(", ", b.columns) + ") FROM STDIN";
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
                copy(c, batch);
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

    private void copy(Connection c, List<T> batch) throws SQLException {
        CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
        try {
            CopyTextEncoder row = new CopyTextEncoder(component, columns, bufferSize + 1024);
            long index = 0;
            for (T action : batch) {
                row.beginRow(index++);
                writer.write(action, row);
                row.endRow();
                if (row.size() >= bufferSize) {
                    in.writeToCopy(row.bytes(), 0, row.size());
                    row.clear();
                }
            }
            if (row.size() > 0) {
                in.writeToCopy(row.bytes(), 0, row.size());
            }
            long copied = in.endCopy();
            if (copied != batch.size()) {
                throw new SQLException(
                        component + ": COPY reported " + copied + " rows for a batch of " + batch.size());
            }
        } catch (Throwable t) {
            if (in.isActive()) {
                try {
                    in.cancelCopy();
                } catch (SQLException e) {
                    t.addSuppressed(e);
                }
            }
            throw t;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String sql() {
        return sql;
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
