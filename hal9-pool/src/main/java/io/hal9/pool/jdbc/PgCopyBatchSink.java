package io.hal9.pool.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
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
    /** Idempotent mode: the plain COPY into the table, tried first; null in plain mode. */
    private final @Nullable String directSql;
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
        if (key.isEmpty()) { // skipDuplicatesOn was not set (it refuses an empty key)
            this.sql = "COPY " + b.table + " (" + cols + ") FROM STDIN";
            this.directSql = null;
            this.createStage = null;
            this.moveStaged = null;
        } else {
            // one staging table per connection (temporary tables are per session), emptied at each commit
            String stage = "hal9_stage_" + Integer.toHexString(b.table.hashCode() & 0x7fffffff);
            this.sql = "COPY " + stage + " (" + cols + ") FROM STDIN";
            this.directSql = "COPY " + b.table + " (" + cols + ") FROM STDIN";
            this.createStage = "CREATE TEMP TABLE IF NOT EXISTS " + stage + " ON COMMIT DELETE ROWS AS SELECT " + cols
                    + " FROM " + b.table + " WITH NO DATA";
            this.moveStaged = "INSERT INTO " + b.table + " (" + cols + ") SELECT " + cols + " FROM " + stage
                    + " ON CONFLICT (" + String.join(", ", key) + ") DO NOTHING";
        }
    }

    @Override
    void writeBatch(Connection c, List<T> batch) throws SQLException {
        String direct = directSql;
        if (direct == null) {
            copy(c, batch, sql);
            return;
        }
        // Idempotent mode. A duplicate is rare (a replay, or a retry after a commit whose answer was
        // lost), so the plain COPY is tried first, behind a savepoint; only a unique violation (23505)
        // takes the staged path, which skips the rows already there.
        Savepoint before = c.setSavepoint();
        try {
            copy(c, batch, direct);
            c.releaseSavepoint(before);
            return;
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw e;
            }
            c.rollback(before);
        }
        try (Statement s = c.createStatement()) {
            s.execute(Objects.requireNonNull(createStage));
        }
        copy(c, batch, sql);
        try (Statement s = c.createStatement()) {
            s.executeUpdate(Objects.requireNonNull(moveStaged));
        }
        duplicateBatches.increment();
    }

    private static final String UNIQUE_VIOLATION = "23505";

    /** Batches that met a duplicate and went through the staging table (idempotent mode). */
    private final LongAdder duplicateBatches = new LongAdder();

    /** Batches that met a row already stored and skipped it (idempotent mode); for tests and logs. */
    long duplicateBatches() {
        return duplicateBatches.sum();
    }

    private void copy(Connection c, List<T> batch, String copySql) throws SQLException {
        CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(copySql);
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
