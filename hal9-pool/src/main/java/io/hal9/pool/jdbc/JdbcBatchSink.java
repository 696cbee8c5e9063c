package io.hal9.pool.jdbc;

import io.hal9.core.BatchSink;
import io.hal9.core.internal.BuilderOptions;
import io.hal9.core.internal.Checks;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import javax.sql.DataSource;

/**
 * Writes an {@link io.hal9.core.ActionBatcher}'s batch as one JDBC batch in one transaction: many
 * actions, one round trip and one commit.
 *
 * <pre>{@code
 * JdbcBatchSink<Action> sink = JdbcBatchSink.<Action>builder(
 *                 "actions",
 *                 router.writes(),
 *                 "INSERT INTO actions (id, game_id, kind) VALUES (?, ?, ?)",
 *                 (ps, a) -> {
 *                     ps.setLong(1, a.id());
 *                     ps.setLong(2, a.gameId());
 *                     ps.setString(3, a.kind());
 *                 })
 *         .build();
 * ActionBatcher<Action> batcher = ActionBatcher.builder("actions", sink)
 *         .retryOn(JdbcBatchSink.retryOn())
 *         .deadLetterHandler((actions, cause) -> saveForLater(actions, cause))
 *         .build();
 * }</pre>
 *
 * <p>Each {@link #write} borrows one connection, turns auto-commit off, binds every action ({@link
 * StatementBinder}) and {@code addBatch()}es it, runs {@code executeBatch()} every {@code chunkSize}
 * actions (bounding the driver's memory) and commits once at the end. Any failure rolls the whole
 * batch back, so a failed call has done nothing: the batcher may retry it (transient failures, see
 * {@link #retryOn()}) or split it to isolate a poison action (permanent failures such as a duplicate
 * key), and each action lands exactly once or is dead-lettered. For PostgreSQL, add {@code
 * reWriteBatchedInserts=true} to the pool's data source properties: the driver then sends multi-row
 * inserts, several times faster.
 *
 * <p>Limits: if the connection is lost while the commit is in flight, the outcome is unknown; the batch
 * counts as failed (transient) and a retry may meet rows that did commit. Make the statement idempotent
 * where that matters ({@code INSERT ... ON CONFLICT (id) DO NOTHING}) or dead-letter duplicates.
 *
 * <p>Thread safety: {@link #write} may be called from any thread (an {@code ActionBatcher} calls it from
 * its flusher only); each call uses its own connection and statement.
 *
 * @param <T> the action type
 */
public interface JdbcBatchSink<T> extends BatchSink<T> {

    /** Default {@code chunkSize}: actions per {@code executeBatch()}. */
    int DEFAULT_CHUNK_SIZE = 1_000;

    /**
     * Starts a builder.
     *
     * @param name names the sink in messages and logs
     * @param dataSource where batches go: the primary (e.g. {@link ReadWriteRouter#writes()} or {@link
     *     JdbcPool#dataSource()})
     * @param sql the statement run once per action, e.g. {@code INSERT INTO actions (id, kind) VALUES (?, ?)}
     * @param binder sets the statement's parameters from one action
     */
    static <T> Builder<T> builder(String name, DataSource dataSource, String sql, StatementBinder<T> binder) {
        return new Builder<>(name, dataSource, sql, binder);
    }

    /**
     * The {@code retryOn} predicate for an {@link io.hal9.core.ActionBatcher} writing through a JDBC sink:
     * {@link SqlFailures#isTransient}.
     */
    static Predicate<Throwable> retryOn() {
        return SqlFailures::isTransient;
    }

    /**
     * Writes the batch in one transaction, or rolls it back.
     *
     * @param batch the actions, in order; read during the call only
     * @throws JdbcException if anything failed with an {@link java.sql.SQLException} (the
     *     transaction was rolled back); the SQLState tells transient from permanent
     * @throws RuntimeException thrown by the binder, unchanged (the transaction was rolled back)
     */
    @Override
    void write(List<T> batch);

    /** The name given to the builder. */
    String name();

    /** A snapshot of the counters. */
    BatchSinkStats stats();

    /**
     * Configures a {@link JdbcBatchSink}. Each option may be set once.
     *
     * <p>Thread safety: not thread-safe; use from one thread, then discard.
     *
     * @param <T> the action type
     */
    final class Builder<T> {
        final String name;
        final String component;
        final DataSource dataSource;
        final String sql;
        final StatementBinder<T> binder;
        int chunkSize = DEFAULT_CHUNK_SIZE;
        final BuilderOptions options;

        Builder(String name, DataSource dataSource, String sql, StatementBinder<T> binder) {
            this.name = Checks.name("jdbc sink", name);
            this.component = "jdbc sink '" + name + "'";
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            this.sql = Objects.requireNonNull(sql, "sql");
            if (sql.isBlank()) {
                throw new IllegalArgumentException(component + ": sql must not be blank");
            }
            this.binder = Objects.requireNonNull(binder, "binder");
            this.options = new BuilderOptions(component);
        }

        /**
         * Actions bound before each {@code executeBatch()} inside the one transaction. Default 1,000,
         * range [1, 1048576].
         */
        public Builder<T> chunkSize(int chunkSize) {
            int value = Checks.inRange(component, "chunkSize", chunkSize, 1, 1 << 20);
            this.chunkSize = options.set("chunkSize", value);
            return this;
        }

        /** Creates the sink. It holds no connection until a batch is written. */
        public JdbcBatchSink<T> build() {
            return new JdbcBatchSinkImpl<>(this);
        }
    }
}
