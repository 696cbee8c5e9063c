package io.hal9.examples.server;

import static io.hal9.examples.server.SharedServices.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hal9.testkit.PostgresService;
import io.hal9.testkit.RequiresPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGSimpleDataSource;

/** The server on a real PostgreSQL: migrations, partitions, and a game whose moves reach the database. */
@RequiresPostgres
@Timeout(90)
class PostgresServerTest {

    private static ServerConfig config(PostgresService pg, String... extra) {
        return SharedServices.parse(SharedServices.postgresArgs(pg.jdbcUrl(), 4, SharedServices.journalDir(), extra));
    }

    @Test
    void migrationsCreateTheSeedSchemaAndTheQuartersAhead(PostgresService pg) throws SQLException {
        try (GameServer server = GameServer.start("pg-schema", config(pg, "--partitions-ahead", "3"))) {
            assertThat(server.embeddedDatabase()).isFalse();
        }
        LocalDate q = PartitionMaintainer.quarterStart(LocalDate.now(ZoneOffset.UTC));
        List<String> expected = new ArrayList<>(List.of("games_default"));
        for (int i = 0; i <= 3; i++) {
            expected.add(PartitionMaintainer.partitionName(q.plusMonths(3L * i)));
        }
        try (Connection c = pg.open()) {
            assertThat(strings(
                            c,
                            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                                    + " WHERE i.inhparent = 'games'::regclass"))
                    .containsExactlyInAnyOrderElementsOf(expected);
            assertThat(strings(c, "SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'games'::regclass"))
                    .containsExactly("r");
            List<String> indexes = strings(
                    c,
                    "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE 'idx_%'"
                            + " AND tablename IN ('games', 'players', 'actions')");
            assertThat(indexes)
                    .anySatisfy(d -> assertThat(d).contains("idx_games_status").contains("(status, created_at)"))
                    .anySatisfy(d -> assertThat(d).contains("idx_players_game").contains("(game_id, status)"))
                    .noneSatisfy(d -> assertThat(d).contains("idx_actions_game_round"));
            assertThat(strings(
                            c,
                            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                                    + " AND indexname = 'actions_identity'"))
                    .singleElement()
                    .satisfies(d -> assertThat(d).contains("UNIQUE").contains("(game_id, player_id, round)"));
            assertThat(strings(c, "SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank"))
                    .containsExactly("1", "2", "3", "4", "5", "6");
        }
    }

    @Test
    void theMaintainerIsIdempotentAndFollowsTheClock(PostgresService pg) throws SQLException {
        try (GameServer server = GameServer.start("pg-maint", config(pg, "--partitions-ahead", "0"))) {
            assertThat(server.port()).isPositive();
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(pg.jdbcUrl());
        Clock in2031 = Clock.fixed(Instant.parse("2031-05-20T10:00:00Z"), ZoneOffset.UTC);
        PartitionMaintainer m = new PartitionMaintainer("test", ds, 1, in2031);
        assertThat(m.run()).containsExactly("games_2031q2", "games_2031q3");
        assertThat(m.run()).containsExactly("games_2031q2", "games_2031q3");
        try (Connection c = pg.open()) {
            insertGame(c, 1, OffsetDateTime.parse("2031-08-01T00:00:00Z"));
            insertGame(c, 2, OffsetDateTime.parse("2045-01-01T00:00:00Z")); // no partition: the default takes it
            assertThat(strings(c, "SELECT tableoid::regclass::text FROM games ORDER BY id"))
                    .containsExactly("games_2031q3", "games_default");
        }
    }

    private static void insertGame(Connection c, long id, OffsetDateTime at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO games (id, status, max_players, rounds,"
                + " round_timeout_ms, created_at) VALUES (?, 'waiting', 2, 1, 1000, ?)")) {
            ps.setLong(1, id);
            ps.setObject(2, at);
            ps.executeUpdate();
        }
    }

    @Test
    void aReplicaDownAtStartIsNoStartUpDependencyAndIsMarkedDown(PostgresService pg) throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort(); // free once closed: nothing listens there
        }
        String deadReplica = "jdbc:postgresql://127.0.0.1:" + port + "/test";
        long t0 = System.nanoTime();
        try (GameServer server = GameServer.start("pg-dead-replica", config(pg, "--db-read-urls", deadReplica))) {
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
            ApiClient api = new ApiClient(server.baseUrl());
            assertThat(api.get("/health/ready").status()).isEqualTo(200);
            long id = api.createGame(2, 1);
            String token = api.join(id, "ann");
            assertThat(token).isNotBlank();
            // the list is read from the primary while the replica is down, within the request
            assertThat(api.get("/api/games").status()).isEqualTo(200);
            assertThat(api.get("/api/games/" + id).status()).isEqualTo(200);
            String metrics = new ApiClient(server.adminUrl()).text("/metrics");
            assertThat(Scrapes.sample(
                            metrics,
                            "hal9_router_replica_up{name=\"pg-dead-replica\",replica=\"pg-dead-replica-replica-0\"}"))
                    .isEqualTo(0.0);
        }
    }

    @Test
    void aGamePlayedOverHttpIsRecordedWithEveryMove(PostgresService pg) throws Exception {
        long id;
        // the primary doubles as its own read replica: reads go through the router's replica path
        try (GameServer server = GameServer.start("pg-play", config(pg, "--db-read-urls", pg.jdbcUrl()))) {
            ApiClient api = new ApiClient(server.baseUrl());
            assertThat(api.get("/health").body().get("db").asText()).isEqualTo("up");
            id = api.createGame(3, 2);
            String a = api.join(id, "ann");
            String b = api.join(id, "bob");
            String c = api.join(id, "cid");
            for (String move : List.of("rock", "paper")) {
                for (String t : List.of(a, b, c)) {
                    assertThat(api.post("/api/games/" + id + "/moves", "{\"move\":\"" + move + "\"}", t)
                                    .status())
                            .isEqualTo(202);
                }
            }
            ApiClient.Reply game = api.get("/api/games/" + id);
            assertThat(game.body().get("status").asText()).isEqualTo("finished");
            // the list is read from the database: it shows the end once the final rows are written (queued by
            // the last move, a few milliseconds later)
            long finished = id;
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(
                                    api.get("/api/games?status=finished").body().get("games").findValues("id").stream()
                                            .map(n -> n.asLong()))
                            .contains(finished));

            // with a replica configured, /metrics has the router and both pools (HikariCP's meters included)
            String metrics = new ApiClient(server.adminUrl()).text("/metrics");
            assertThat(Scrapes.sample(
                            metrics, "hal9_batcher_submissions_total{name=\"pg-play-actions\",result=\"accepted\"}"))
                    .isEqualTo(6.0);
            assertThat(Scrapes.sample(
                            metrics, "hal9_router_replica_up{name=\"pg-play\",replica=\"pg-play-replica-0\"}"))
                    .isEqualTo(1.0);
            assertThat(metrics)
                    .contains("hal9_router_reads_total{name=\"pg-play\",target=\"replica\"}")
                    .contains("hikaricp_connections_active{pool=\"pg-play-primary\"}")
                    .contains("hikaricp_connections_active{pool=\"pg-play-replica-0\"}")
                    .as("each pool reported once, by HikariCP's meters")
                    .doesNotContain("hal9_jdbc_pool_");
            Scrapes.assertPromtoolAccepts(metrics);
        }
        try (Connection c = pg.open()) {
            assertThat(strings(c, "SELECT count(*) FROM actions WHERE game_id = ?", id))
                    .containsExactly("6");
            assertThat(strings(c, "SELECT count(*) FROM actions WHERE game_id = ? AND round = 2", id))
                    .containsExactly("3");
            assertThat(strings(
                            c,
                            "SELECT status || ':' || current_round || ':' || player_count FROM games WHERE id = ?",
                            id))
                    .containsExactly("finished:2:3");
            assertThat(strings(c, "SELECT count(*) FROM players WHERE game_id = ?", id))
                    .containsExactly("3");
            // a game created now lands in the current quarter's partition, not the default one
            assertThat(strings(c, "SELECT tableoid::regclass::text FROM games WHERE id = ?", id))
                    .containsExactly(PartitionMaintainer.partitionName(
                            PartitionMaintainer.quarterStart(LocalDate.now(ZoneOffset.UTC))));
        }
    }

    /** A batch of game states keeps each row's fence with the generic plan it asks for here (see GameStoreTest). */
    @Test
    void aBatchOfStatesKeepsEachRowsFence(PostgresService pg) {
        try (Database db = Database.open("pg-states", config(pg))) {
            GameStoreTest.statesKeepTheirFences(new GameStore(db.router(), "pg-states", true), "pg-states");
        }
    }

    /**
     * A fenced write of one game's state (and the end of one game) reads that game's row and no other, with
     * the generic plan a prepared statement gets and no statistics on the table (a new database, or autovacuum
     * off, as on the machines here): all of an instance's live games share one host, and with V5's index on
     * host alone that plan scanned every one of them per write, which put PostgreSQL at a full core at 5,000
     * writes/s and held the server's results back by seconds (fails with V6 left out).
     */
    @Test
    void aFencedWriteOfOneGameReadsOneRowWhicheverIndexTheGenericPlanTakes(PostgresService pg) throws Exception {
        try (GameServer server = GameServer.start("pg-plan", config(pg))) {
            assertThat(server.port()).isPositive(); // the migrations ran
        }
        try (Connection c = pg.open();
                Statement st = c.createStatement()) {
            st.execute("INSERT INTO games (status, max_players, rounds, round_timeout_ms, created_at, host)"
                    + " SELECT 'running', 2, 5, 1000, now() - g * interval '1 millisecond', 'plan-host'"
                    + " FROM generate_series(1, 2000) g");
            long id;
            String createdAt;
            try (ResultSet rs = st.executeQuery("SELECT id, created_at FROM games ORDER BY id OFFSET 1000 LIMIT 1")) {
                assertThat(rs.next()).isTrue();
                id = rs.getLong(1);
                createdAt = rs.getString(2);
            }
            st.execute("SET plan_cache_mode = force_generic_plan");
            st.execute("PREPARE state_write (text, int, int, timestamptz, bigint, timestamptz, int, text, bigint) AS "
                    + numbered(GameStore.UPDATE_GAME));
            st.execute("PREPARE game_end (text, timestamptz, bigint, timestamptz, text, bigint) AS "
                    + numbered(GameStore.END_GAME));
            assertThat(rowsRead(
                            st,
                            "EXECUTE state_write ('running', 3, 2, now(), " + id + ", '" + createdAt
                                    + "', 3, 'plan-host', 0)"))
                    .isEqualTo(1);
            assertThat(rowsRead(
                            st, "EXECUTE game_end ('aborted', now(), " + id + ", '" + createdAt + "', 'plan-host', 0)"))
                    .isEqualTo(1);
        }
    }

    /** {@code sql} with its JDBC placeholders numbered as PREPARE wants them ($1, $2, ...). */
    private static String numbered(String sql) {
        StringBuilder out = new StringBuilder();
        int n = 0;
        for (char ch : sql.toCharArray()) {
            if (ch == '?') {
                out.append('$').append(++n);
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }

    /** Rows the plan's scans read (returned plus removed by a filter) executing {@code execute}, rolled back. */
    private static long rowsRead(Statement st, String execute) throws Exception {
        Connection c = st.getConnection();
        c.setAutoCommit(false);
        try (ResultSet rs = st.executeQuery("EXPLAIN (ANALYZE, FORMAT JSON) " + execute)) {
            assertThat(rs.next()).isTrue();
            return rowsRead(new ObjectMapper().readTree(rs.getString(1)).get(0).get("Plan"));
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
    }

    private static long rowsRead(JsonNode node) {
        long rows = node.path("Node Type").asText().endsWith("Scan")
                ? node.path("Actual Rows").asLong()
                                * Math.max(1, node.path("Actual Loops").asLong())
                        + node.path("Rows Removed by Filter").asLong()
                : 0;
        for (JsonNode child : node.path("Plans")) {
            rows += rowsRead(child);
        }
        return rows;
    }
}
