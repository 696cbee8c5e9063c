package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.testkit.FaultProxy;
import io.hal9.testkit.PostgresService;
import io.hal9.testkit.RequiresPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server through a PostgreSQL outage made by a TCP proxy between it and the database (the shared
 * PostgreSQL itself is never touched): health answers fast and honestly, requests that need the
 * database are refused at once, and a game that ends meanwhile is recorded once the database is back.
 */
@RequiresPostgres
@Timeout(150)
class DatabaseOutageTest {
    /** Every health answer must come within this, whatever the database does (issue 15, item 5). */
    private static final long HEALTH_BUDGET_MS = 100;

    private static ServerConfig config(String jdbcUrl) {
        return SharedServices.parse(SharedServices.postgresArgs(jdbcUrl, 4, SharedServices.journalDir()));
    }

    /** One answer and how long it took, measured by the client. */
    private record Timed(ApiClient.Reply reply, long millis) {
        int status() {
            return reply.status();
        }
    }

    private static Timed get(ApiClient api, String path) {
        long t0 = System.nanoTime();
        ApiClient.Reply r = api.get(path);
        return new Timed(r, (System.nanoTime() - t0) / 1_000_000);
    }

    private static Timed post(ApiClient api, String path, String body, @Nullable String token) {
        long t0 = System.nanoTime();
        ApiClient.Reply r = api.post(path, body, token);
        return new Timed(r, (System.nanoTime() - t0) / 1_000_000);
    }

    @Test
    void anOutageMakesTheInstanceNotReadyButLiveAndRequestsThatNeedTheDatabaseFailFast(PostgresService pg)
            throws Exception {
        try (FaultProxy proxy = FaultProxy.startForJdbcUrl(pg.jdbcUrl());
                GameServer server = GameServer.start("outage-health", config(proxy.jdbcUrlThrough(pg.jdbcUrl())))) {
            ApiClient api = new ApiClient(server.baseUrl());
            long waiting = api.createGame(2, 3); // in memory: its reads need no database
            for (int i = 0; i < 5; i++) { // warm up the client's connection and the server's code paths
                assertThat(get(api, "/health/ready").status()).isEqualTo(200);
                assertThat(get(api, "/health/live").status()).isEqualTo(200);
            }
            Timed ready = get(api, "/health/ready");
            assertThat(ready.reply().body().at("/status").asText()).isEqualTo("ready");
            assertThat(ready.reply().body().at("/dependencies/database/status").asText())
                    .isEqualTo("up");
            assertThat(ready.reply()
                            .body()
                            .at("/dependencies/database/checkedAt")
                            .asText())
                    .isNotEmpty();
            assertThat(ready.reply().body().at("/dependencies/redis").isMissingNode())
                    .as("redis is not configured")
                    .isTrue();

            proxy.refuse();
            List<Long> healthMillis = new ArrayList<>();
            await().atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        Timed r = get(api, "/health/ready");
                        healthMillis.add(r.millis());
                        Timed l = get(api, "/health/live");
                        healthMillis.add(l.millis());
                        assertThat(l.status())
                                .as("live whatever the database does")
                                .isEqualTo(200);
                        return r.status() == 503;
                    });
            for (int i = 0; i < 5; i++) {
                Timed r = get(api, "/health/ready");
                assertThat(r.status()).isEqualTo(503);
                healthMillis.add(r.millis());
                Timed l = get(api, "/health/live");
                assertThat(l.status()).isEqualTo(200);
                healthMillis.add(l.millis());
                Timed legacy = get(api, "/health");
                assertThat(legacy.status()).isEqualTo(503);
                healthMillis.add(legacy.millis());
            }
            assertThat(healthMillis).allSatisfy(ms -> assertThat(ms).isLessThan(HEALTH_BUDGET_MS));

            ApiClient.Reply notReady = api.get("/health/ready");
            assertThat(notReady.body().at("/status").asText()).isEqualTo("not_ready");
            assertThat(notReady.body().at("/dependencies/database/status").asText())
                    .isEqualTo("down");
            assertThat(notReady.body().at("/dependencies/database/reason").asText())
                    .isNotEmpty()
                    .hasSizeLessThan(40);
            assertThat(notReady.body().toString())
                    .doesNotContain("total=")
                    .doesNotContain("outage-health-") // no pool name
                    .doesNotContain("Exception");
            assertThat(api.get("/health").body().get("db").asText()).startsWith("down: ");

            Timed create = post(api, "/api/games", "{}", null);
            assertThat(create.status()).isEqualTo(503);
            assertThat(create.reply().error()).isEqualTo("database_unavailable");
            assertThat(create.millis()).isLessThan(1_000);
            Timed list = get(api, "/api/games?size=7"); // a page never cached: a miss needs the database
            assertThat(list.status()).isEqualTo(503);
            assertThat(list.reply().error()).isEqualTo("database_unavailable");
            assertThat(list.millis()).isLessThan(1_000);
            Timed join = post(api, "/api/games/" + waiting + "/join", "{\"name\":\"ann\"}", null);
            assertThat(join.status()).isEqualTo(503);
            assertThat(join.reply().error()).isEqualTo("database_unavailable");
            assertThat(join.millis()).isLessThan(1_000);
            Timed read = get(api, "/api/games/" + waiting);
            assertThat(read.status())
                    .as("a game in memory is read without the database")
                    .isEqualTo(200);
            assertThat(read.reply().body().get("status").asText()).isEqualTo("waiting");

            String scrape = new ApiClient(server.adminUrl()).text("/metrics");
            assertThat(Scrapes.sample(scrape, "hal9_dependency_up{dependency=\"database\",name=\"outage-health\"}"))
                    .isEqualTo(0.0);
            assertThat(Scrapes.sample(scrape, "hal9_ready{name=\"outage-health\"}"))
                    .isEqualTo(0.0);

            proxy.pass();
            await().atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> get(api, "/health/ready").status() == 200);
            assertThat(api.get("/health").status()).isEqualTo(200);
            // the main pool reconnects on its own schedule (HikariCP's backoff): a create succeeds soon
            await().atMost(Duration.ofSeconds(40))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> api.post("/api/games", "{}").status() == 201);
            assertThat(Scrapes.sample(
                            new ApiClient(server.adminUrl()).text("/metrics"),
                            "hal9_dependency_up{dependency=\"database\",name=\"outage-health\"}"))
                    .isEqualTo(1.0);
        }
    }

    @Test
    void aGameThatEndsDuringAnOutageAnswersAtOnceAndIsRecordedWhenTheDatabaseIsBack(PostgresService pg)
            throws Exception {
        long id;
        try (FaultProxy proxy = FaultProxy.startForJdbcUrl(pg.jdbcUrl());
                GameServer server = GameServer.start("outage-finish", config(proxy.jdbcUrlThrough(pg.jdbcUrl())))) {
            ApiClient api = new ApiClient(server.baseUrl());
            id = api.createGame(2, 2);
            String ann = api.join(id, "ann");
            String bob = api.join(id, "bob");
            String moves = "/api/games/" + id + "/moves";
            assertThat(api.post(moves, "{\"move\":\"rock\"}", ann).status()).isEqualTo(202);
            assertThat(api.post(moves, "{\"move\":\"scissors\"}", bob).status()).isEqualTo(202); // ann 1
            long finalId = id;
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> row(pg, finalId).round() == 2 && server.pendingActions() == 0);

            proxy.refuse();
            Timed first = post(api, moves, "{\"move\":\"paper\"}", ann);
            assertThat(first.status()).isEqualTo(202);
            Timed last = post(api, moves, "{\"move\":\"rock\"}", bob); // paper covers rock: ann 2, bob 0
            assertThat(last.status()).isEqualTo(202);
            assertThat(last.reply().body().at("/result/status").asText()).isEqualTo("finished");
            assertThat(last.millis())
                    .as("the move that ends the game waits for no database")
                    .isLessThan(1_000);

            ApiClient.Reply game = api.get("/api/games/" + id);
            assertThat(game.status()).as("read from memory meanwhile").isEqualTo(200);
            assertThat(game.body().get("status").asText()).isEqualTo("finished");
            assertThat(game.body().at("/players/0/score").asInt()).isEqualTo(2);
            assertThat(game.body().at("/players/1/score").asInt()).isZero();
            ApiClient.Reply again = api.post(moves, "{\"move\":\"rock\"}", ann);
            assertThat(again.status()).isEqualTo(409);
            assertThat(again.error()).isEqualTo("game_finished");
            assertThat(server.stats().liveGames())
                    .as("a finished game is not active")
                    .isZero();
            assertThat(row(pg, id).status())
                    .as("not written while the database is cut")
                    .isEqualTo("running");

            proxy.pass();
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> row(pg, finalId).status().equals("finished"));
            GameRowAndScores r = row(pg, id);
            assertThat(r.round()).isEqualTo(2);
            assertThat(r.scores()).containsExactly("ann=2/active", "bob=0/active");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> api.get("/api/games/" + finalId)
                            .body()
                            .get("status")
                            .asText()
                            .equals("finished"));
        }
        assertThat(row(pg, id).scores()).as("after shutdown too").containsExactly("ann=2/active", "bob=0/active");
    }

    @Test
    void gameStatesWaitOnTheirGamesWhileTheStatesBatcherIsFullAndTheNewestIsWrittenAfter(PostgresService pg)
            throws Exception {
        // Two live games at most: the game-states batcher then holds 2 pending states, so a few rounds during
        // an outage fill it. The states wait on their games (the newest of each) instead of being written
        // one commit each, and reach the rows once the database is back.
        long[] ids = new long[2];
        try (FaultProxy proxy = FaultProxy.startForJdbcUrl(pg.jdbcUrl());
                GameServer server = GameServer.start(
                        "outage-states",
                        SharedServices.parse(SharedServices.postgresArgs(
                                proxy.jdbcUrlThrough(pg.jdbcUrl()),
                                4,
                                SharedServices.journalDir(),
                                "--max-live-games",
                                "2")))) {
            ApiClient api = new ApiClient(server.baseUrl());
            String[][] tokens = new String[2][];
            for (int g = 0; g < 2; g++) {
                ids[g] = api.createGame(2, 10);
                tokens[g] = new String[] {api.join(ids[g], "ann"), api.join(ids[g], "bob")};
            }
            proxy.refuse();
            for (int round = 1; round <= 4; round++) {
                for (int g = 0; g < 2; g++) {
                    String moves = "/api/games/" + ids[g] + "/moves";
                    assertThat(api.post(moves, "{\"move\":\"rock\"}", tokens[g][0])
                                    .status())
                            .isEqualTo(202);
                    assertThat(api.post(moves, "{\"move\":\"paper\"}", tokens[g][1])
                                    .status())
                            .isEqualTo(202);
                }
            }
            assertThat(server.deferredGameStates())
                    .as("the batcher is full: the newest states wait on their games")
                    .isPositive();
            for (long id : ids) {
                assertThat(row(pg, id).round())
                        .as("not written while the database is cut")
                        .isLessThan(5);
            }

            proxy.pass();
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> server.deferredGameStates() == 0
                            && row(pg, ids[0]).round() == 5
                            && row(pg, ids[1]).round() == 5);
            for (long id : ids) {
                assertThat(row(pg, id).status()).isEqualTo("running");
            }
        }
    }

    /** The game's row and its players, read directly (not through the proxy). */
    private record GameRowAndScores(String status, int round, List<String> scores) {}

    private static GameRowAndScores row(PostgresService pg, long id) throws SQLException {
        try (Connection c = pg.open()) {
            String status;
            int round;
            try (PreparedStatement ps = c.prepareStatement("SELECT status, current_round FROM games WHERE id = ?")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    status = rs.getString(1);
                    round = rs.getInt(2);
                }
            }
            List<String> scores = new ArrayList<>();
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT name, score, status FROM players WHERE game_id = ? ORDER BY id")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        scores.add(rs.getString(1) + "=" + rs.getInt(2) + "/" + rs.getString(3));
                    }
                }
            }
            return new GameRowAndScores(status, round, scores);
        }
    }
}
