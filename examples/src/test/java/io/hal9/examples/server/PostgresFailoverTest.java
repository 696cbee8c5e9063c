package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.testkit.PrivatePostgresPair;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server on a private PostgreSQL primary + synchronous streaming replica, through the pgjdbc
 * multi-host URL {@code jdbc:postgresql://primary,replica/...?targetServerType=primary}: games are played
 * over HTTP, the primary is SIGKILLed mid-game and the replica promoted ({@code pg_ctl promote}); the
 * server keeps serving (new games, the rest of every game) and every acknowledged move (202) is in the
 * promoted database. Skipped without the PostgreSQL server binaries (see {@link PrivatePostgresPair}).
 */
@Timeout(240)
class PostgresFailoverTest {
    private static final int GAMES = 4;
    private static final int ROUNDS = 12;
    private static final int CRASH_AFTER_ROUND = 5;
    private static final List<String> MOVES = List.of("rock", "paper", "scissors", "lizard", "spock");

    @Test
    void aPrimaryCrashAndPromotionLoseNoAcknowledgedMoveAndTheServerKeepsServing() throws Exception {
        List<Long> ids = new ArrayList<>();
        long acknowledged = 0;
        try (PrivatePostgresPair pg = PrivatePostgresPair.start()) {
            List<String> args = SharedServices.postgresArgs(
                    pg.multiHostUrl(), 4, SharedServices.journalDir(), "--round-timeout", "120s");
            try (GameServer server = GameServer.start("failover", SharedServices.parse(args));
                    ApiClient api = new ApiClient(server.baseUrl())) {
                List<String[]> tokens = new ArrayList<>();
                for (int g = 0; g < GAMES; g++) {
                    long id = api.createGame(2, ROUNDS);
                    ids.add(id);
                    tokens.add(new String[] {api.join(id, "ann"), api.join(id, "bob")});
                }
                for (int round = 1; round <= CRASH_AFTER_ROUND; round++) {
                    for (int g = 0; g < GAMES; g++) {
                        for (int p = 0; p < 2; p++) {
                            assertThat(move(api, ids.get(g), tokens.get(g)[p], round, p))
                                    .as("before the crash every move is acknowledged")
                                    .isEqualTo(202);
                            acknowledged++;
                        }
                    }
                }

                pg.killPrimary();
                long crashed = System.nanoTime();
                // the next round while no database accepts writes: a move is acknowledged (in the journal,
                // written once a primary is back) or refused; a refused one is sent again below
                int round = CRASH_AFTER_ROUND + 1;
                boolean[][] done = new boolean[GAMES][2];
                int duringOutage = 0;
                for (int g = 0; g < GAMES; g++) {
                    for (int p = 0; p < 2; p++) {
                        if (move(api, ids.get(g), tokens.get(g)[p], round, p) == 202) {
                            done[g][p] = true;
                            acknowledged++;
                            duringOutage++;
                        }
                    }
                }
                pg.promoteReplica(); // pg_ctl promote -w: returns once the replica accepts writes
                long promoted = System.nanoTime();

                // the server serves again: a new game is created and the interrupted round completes
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> api.get("/health/ready").status() == 200);
                long ready = System.nanoTime();
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> api.post("/api/games", "{\"maxPlayers\":2,\"rounds\":1}")
                                        .status()
                                == 201);
                for (int g = 0; g < GAMES; g++) {
                    for (int p = 0; p < 2; p++) {
                        if (!done[g][p]) {
                            long id = ids.get(g);
                            String token = tokens.get(g)[p];
                            int player = p;
                            await().atMost(Duration.ofSeconds(30))
                                    .pollInterval(Duration.ofMillis(100))
                                    .until(() -> move(api, id, token, CRASH_AFTER_ROUND + 1, player) == 202);
                            acknowledged++;
                        }
                    }
                }
                for (round = CRASH_AFTER_ROUND + 2; round <= ROUNDS; round++) {
                    for (int g = 0; g < GAMES; g++) {
                        for (int p = 0; p < 2; p++) {
                            assertThat(move(api, ids.get(g), tokens.get(g)[p], round, p))
                                    .as("after the promotion every move is acknowledged")
                                    .isEqualTo(202);
                            acknowledged++;
                        }
                    }
                }
                for (long id : ids) {
                    assertThat(api.get("/api/games/" + id).body().get("status").asText())
                            .isEqualTo("finished");
                }
                System.out.printf(
                        "postgres failover: promoted %d ms after the SIGKILL, ready again %d ms after the promotion;"
                                + " %d moves acknowledged, %d of them while no primary was up%n",
                        TimeUnit.NANOSECONDS.toMillis(promoted - crashed),
                        TimeUnit.NANOSECONDS.toMillis(ready - promoted),
                        acknowledged,
                        duringOutage);
            } // close() flushes the batchers: everything acknowledged is written

            assertThat(acknowledged).isEqualTo((long) GAMES * 2 * ROUNDS);
            // the URL names no schema: the server's tables are in its default one, hal9
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl(pg.replicaPort()));
                    PreparedStatement actions =
                            c.prepareStatement("SELECT count(*) FROM hal9.actions WHERE game_id = ANY (?)");
                    PreparedStatement finished = c.prepareStatement(
                            "SELECT count(*) FROM hal9.games WHERE id = ANY (?) AND status = 'finished'")) {
                Long[] idArray = ids.toArray(Long[]::new);
                actions.setArray(1, c.createArrayOf("bigint", idArray));
                finished.setArray(1, c.createArrayOf("bigint", idArray));
                assertThat(count(actions))
                        .as("every acknowledged move is in the promoted database")
                        .isEqualTo(acknowledged);
                assertThat(count(finished)).isEqualTo(GAMES);
            }
        }
    }

    private static int move(ApiClient api, long id, String token, int round, int player) {
        String move = MOVES.get((round + player * 2) % MOVES.size());
        return api.post("/api/games/" + id + "/moves", "{\"move\":\"" + move + "\"}", token)
                .status();
    }

    private static long count(PreparedStatement ps) throws Exception {
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
