package io.hal9.pool.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/**
 * What {@link JdbcBatchSink} and {@link CopyBatchSink} share: borrow a connection, run one batch in one
 * transaction (autocommit off, commit, roll back on any failure, autocommit restored), count commits,
 * rows and rollbacks, and turn SQL failures into {@link JdbcException}s that keep the SQLState
 * the batcher's retry classification reads.
 *
 * <p>Design / Concurrency: no state shared between calls but the counters ({@link LongAdder}s); each
 * call borrows its own connection. Invariants: a call either commits every row of its batch or rolls
 * all of them back; {@code commits + rollbacks} equals the calls that got as far as a connection.
 */
abstract class TransactionalSink<T> {
    final String name;
    final String component;
    private final DataSource dataSource;
    private final LongAdder commits = new LongAdder();
    private final LongAdder rows = new LongAdder();
    private final LongAdder rollbacks = new LongAdder();

    TransactionalSink(String name, String component, DataSource dataSource) {
        this.name = name;
        this.component = component;
        this.dataSource = dataSource;
    }

    /** Writes the whole batch on {@code c}, inside the transaction this class opened. */
    abstract void writeBatch(Connection c, List<T> batch) throws SQLException;

    public final void write(List<T> batch) {
        Objects.requireNonNull(batch, "batch");
        int size = batch.size();
        if (size == 0) {
            return;
        }
        Connection c;
        try {
            c = dataSource.getConnection();
        } catch (SQLException e) {
            throw new JdbcException(
                    component + ": no connection for a batch of " + size + ": " + SqlFailures.describe(e), e);
        }
        try (c) {
            JdbcSupport.inTransaction(
                    c,
                    conn -> {
                        writeBatch(conn, batch);
                        return null;
                    },
                    rollbacks);
            commits.increment();
            rows.add(size);
        } catch (SQLException e) {
            throw new JdbcException(component + ": batch of " + size + " rolled back: " + SqlFailures.describe(e), e);
        }
    }

    public final String name() {
        return name;
    }

    public final BatchSinkStats stats() {
        return new BatchSinkStats(commits.sum(), rows.sum(), rollbacks.sum());
    }

    @Override
    public String toString() {
        return component + "[" + stats() + "]";
    }
}
