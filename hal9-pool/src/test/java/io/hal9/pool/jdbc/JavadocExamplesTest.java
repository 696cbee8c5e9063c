package io.hal9.pool.jdbc;

import io.hal9.core.ActionBatcher;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;

/**
 * Every Javadoc example of io.hal9.pool.jdbc, word for word between its markers, in a method that declares
 * what the example assumes, so that the compiler checks it as pasted. They are compiled, not run: they
 * connect to the PostgreSQL servers they name. {@code io.hal9.pool.JavadocExamplesTest} checks that they
 * match the Javadoc.
 */
@SuppressWarnings("unused") // compiled, never called
class JavadocExamplesTest {
    record Action(long id, long gameId, String kind, Instant at) {}

    record Game(long id) {}

    void packagePage(String url, String replicaUrl, long gameId, Action action) {
        // javadoc-example: io.hal9.pool.jdbc#1 begins
        JdbcPool primary =
                JdbcPool.builder("games").jdbcUrl(url).username("game").build();
        JdbcPool replica =
                JdbcPool.builder("games-r1").jdbcUrl(replicaUrl).failFast(false).build();
        try (ReadWriteRouter db = ReadWriteRouter.builder("games")
                .primary(primary)
                .replica(replica)
                .build()) {
            int open = db.reads(c -> countOpenGames(c)); // a healthy replica, else the primary
            db.inTransaction(c -> moveToLobby(c, gameId)); // always the primary

            JdbcBatchSink<Action> sink = JdbcBatchSink.<Action>builder(
                            "actions",
                            db.writes(),
                            "INSERT INTO actions (id, game_id, kind) VALUES (?, ?, ?)",
                            (ps, a) -> {
                                ps.setLong(1, a.id());
                                ps.setLong(2, a.gameId());
                                ps.setString(3, a.kind());
                            })
                    .build();
            try (ActionBatcher<Action> batcher = ActionBatcher.builder("actions", sink)
                    .retryOn(JdbcBatchSink.retryOn()) // transient SQL failures retry, the rest split
                    .build()) {
                batcher.trySubmit(action);
            }
        }
        // javadoc-example: io.hal9.pool.jdbc#1 ends
    }

    void jdbcPool(String secret) {
        // javadoc-example: JdbcPool#1 begins
        try (JdbcPool pool = JdbcPool.builder("games")
                .jdbcUrl("jdbc:postgresql://db:5432/games")
                .username("game")
                .password(secret)
                .dataSourceProperty("reWriteBatchedInserts", "true")
                .build()) {
            DataSource ds = pool.dataSource();
        }
        // javadoc-example: JdbcPool#1 ends
    }

    void readWriteRouter(String primaryUrl, String replicaUrl, long gameId, long playerId) {
        // javadoc-example: ReadWriteRouter#1 begins
        try (ReadWriteRouter db = ReadWriteRouter.builder("games")
                .primary(JdbcPool.builder("games").jdbcUrl(primaryUrl).build())
                .replica(JdbcPool.builder("games-r1")
                        .jdbcUrl(replicaUrl)
                        .failFast(false)
                        .connectionTimeout(Duration.ofSeconds(1))
                        .build())
                .build()) {
            List<Game> open = db.reads(c -> loadOpenGames(c));
            db.inTransaction(c -> {
                join(c, gameId, playerId);
                return null;
            });
        }
        // javadoc-example: ReadWriteRouter#1 ends
    }

    void jdbcBatchSink(ReadWriteRouter router) {
        // javadoc-example: JdbcBatchSink#1 begins
        JdbcBatchSink<Action> sink = JdbcBatchSink.<Action>builder(
                        "actions",
                        router.writes(),
                        "INSERT INTO actions (id, game_id, kind) VALUES (?, ?, ?)",
                        (ps, a) -> {
                            ps.setLong(1, a.id());
                            ps.setLong(2, a.gameId());
                            ps.setString(3, a.kind());
                        })
                .build();
        ActionBatcher<Action> batcher = ActionBatcher.builder("actions", sink)
                .retryOn(JdbcBatchSink.retryOn())
                .deadLetterHandler((actions, cause) -> saveForLater(actions, cause))
                .build();
        // javadoc-example: JdbcBatchSink#1 ends
        batcher.close();
    }

    void copyBatchSink(ReadWriteRouter router) {
        // javadoc-example: CopyBatchSink#1 begins
        CopyBatchSink<Action> log = CopyBatchSink.<Action>builder(
                        "action-log",
                        router.writes(),
                        "action_log",
                        List.of("id", "game_id", "kind", "at"),
                        (a, row) ->
                                row.add(a.id()).add(a.gameId()).add(a.kind()).add(a.at().toString()))
                .build();
        ActionBatcher<Action> batcher = ActionBatcher.builder("action-log", log)
                .retryOn(JdbcBatchSink.retryOn())
                .build();
        // javadoc-example: CopyBatchSink#1 ends
        batcher.close();
    }

    private static int countOpenGames(Connection c) throws SQLException {
        try (var rs = c.createStatement().executeQuery("SELECT count(*) FROM games WHERE open")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static int moveToLobby(Connection c, long gameId) throws SQLException {
        try (var ps = c.prepareStatement("UPDATE games SET state = 'lobby' WHERE id = ?")) {
            ps.setLong(1, gameId);
            return ps.executeUpdate();
        }
    }

    private static List<Game> loadOpenGames(Connection c) throws SQLException {
        return List.of(new Game(countOpenGames(c)));
    }

    private static void join(Connection c, long gameId, long playerId) throws SQLException {
        try (var ps = c.prepareStatement("INSERT INTO players (game_id, player_id) VALUES (?, ?)")) {
            ps.setLong(1, gameId);
            ps.setLong(2, playerId);
            ps.executeUpdate();
        }
    }

    private static void saveForLater(List<Action> actions, Throwable cause) {
        throw new UnsupportedOperationException("not run: " + actions.size() + " actions, " + cause);
    }
}
