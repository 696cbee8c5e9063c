package io.hal9.pool.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * The {@link CopyBatchSink} implementation on PostgreSQL's {@code CopyManager}.
 *
 * <p>Design / Concurrency: see {@link TransactionalSink}; each call encodes into its own {@link
 * CopyTextEncoder}. Invariants: a call
 * either commits every row of its batch (and the server counted exactly that many) or cancels the COPY
 * and rolls back.
 */
final class PgCopyBatchSink<T> extends TransactionalSink<T> implements CopyBatchSink<T> {
    private final List<String> columns;
    private final CopyRowWriter<T> writer;
    private final int bufferSize;
    private final String sql;
    /** Idempotent mode: creates the connection's staging table if missing; null in plain mode. */
    private final @Nullable String createStage;
    /** Idempotent mode: moves the staged rows into the table, skipping duplicates; null in plain mode. */
    private final @Nullable String moveStaged;

    PgCopyBatchSink(CopyBatchSink.Builder<T> b) {
        super(b.name, b.component, b.dataSource);
        this.columns = b.columns;
        this.writer = b.writer;
        this.bufferSize = b.bufferSize;
        String cols = String.join(", ", b.columns);
        List<String> key = b.conflictKey;
        if (key == null) {
            this.sql = "COPY " + b.table + " (" + cols + ") FROM STDIN";
            this.createStage = null;
            this.moveStaged = null;
        } else {
            // one staging table per connection (temporary tables are per session), emptied at each commit
            String stage = "hal9_stage_" + Integer.toHexString(b.table.hashCode() & 0x7fffffff);
            this.sql = "COPY " + stage + " (" + cols + ") FROM STDIN";
            this.createStage = "CREATE TEMP TABLE IF NOT EXISTS " + stage + " ON COMMIT DELETE ROWS AS SELECT " + cols
                    + " FROM " + b.table + " WITH NO DATA";
            this.moveStaged = "INSERT INTO " + b.table + " (" + cols + ") SELECT " + cols + " FROM " + stage
                    + " ON CONFLICT (" + String.join(", ", key) + ") DO NOTHING";
        }
    }

    @Override
    void writeBatch(Connection c, List<T> batch) throws SQLException {
        String create = createStage;
        if (create != null) {
            try (Statement s = c.createStatement()) {
                s.execute(create);
            }
        }
        copy(c, batch);
        String move = moveStaged;
        if (move != null) {
            try (Statement s = c.createStatement()) {
                s.executeUpdate(move);
            }
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
    public String sql() {
        return sql;
    }
}
