/**
 * JDBC for game servers on HikariCP: named pools with HAL9's defaults ({@link io.hal9.pool.jdbc.JdbcPool}),
 * read/write routing over one primary and any number of read replicas with fallback and recovery
 * ({@link io.hal9.pool.jdbc.ReadWriteRouter}), and {@link io.hal9.core.BatchSink}s that write an
 * {@link io.hal9.core.ActionBatcher}'s batch as one transaction ({@link io.hal9.pool.jdbc.JdbcBatchSink},
 * or PostgreSQL {@code COPY} with {@link io.hal9.pool.jdbc.CopyBatchSink}).
 *
 * <pre>{@code
 * JdbcPool primary =
 *         JdbcPool.builder("games").jdbcUrl(url).username("game").build();
 * JdbcPool replica =
 *         JdbcPool.builder("games-r1").jdbcUrl(replicaUrl).failFast(false).build();
 * try (ReadWriteRouter db = ReadWriteRouter.builder("games")
 *         .primary(primary)
 *         .replica(replica)
 *         .build()) {
 *     int open = db.reads(c -> countOpenGames(c)); // a healthy replica, else the primary
 *     db.inTransaction(c -> moveToLobby(c, gameId)); // always the primary
 *
 *     JdbcBatchSink<Action> sink = JdbcBatchSink.<Action>builder(
 *                     "actions",
 *                     db.writes(),
 *                     "INSERT INTO actions (id, game_id, kind) VALUES (?, ?, ?)",
 *                     (ps, a) -> {
 *                         ps.setLong(1, a.id());
 *                         ps.setLong(2, a.gameId());
 *                         ps.setString(3, a.kind());
 *                     })
 *             .build();
 *     try (ActionBatcher<Action> batcher = ActionBatcher.builder("actions", sink)
 *             .retryOn(JdbcBatchSink.retryOn()) // transient SQL failures retry, the rest split
 *             .build()) {
 *         batcher.trySubmit(action);
 *     }
 * }
 * }</pre>
 *
 * <p>No checked exception leaves this package: {@link java.sql.SQLException}s are wrapped in
 * {@link io.hal9.pool.jdbc.JdbcException}, which keeps the SQLState.
 */
@NullMarked
package io.hal9.pool.jdbc;

import org.jspecify.annotations.NullMarked;
