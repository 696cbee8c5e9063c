package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.hal9.testkit.PostgresService;
import io.hal9.testkit.RequiresPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server stopped with games waiting and running (their rows left as a crash leaves them) and started
 * again under the same instance name on the same PostgreSQL, with no token secret configured: it
 * recovers its games at the same round with the same scores, their players go on with the tokens they
 * hold over HTTP and WebSocket, a game whose rows were corrupted comes back aborted, and waiting games
 * expire. Another instance name takes none of them.
 */
@RequiresPostgres
@Timeout(120)
class RestartTest {
    /** One journal folder per test (per schema): a restart within a test finds its predecessor's journal. */
    private static final java.util.Map<PostgresService, String> JOURNALS =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static ServerConfig config(PostgresService pg, String... extra) {
        List<String> args = SharedServices.postgresArgs(
                pg.jdbcUrl(),
                4,
                JOURNALS.computeIfAbsent(pg, k -> SharedServices.journalDir()),
                "--round-timeout",
                "60s",
                "--cache-ttl",
                "10ms");
        args.addAll(List.of(extra));
        return ServerConfig.parse(args.toArray(String[]::new), Map.of());
    }

    private static ApiClient.Reply move(ApiClient api, long game, String token, String move) {
        return api.post("/api/games/" + game + "/moves", "{\"move\":\"" + move + "\"}", token);
    }

    private static void accepted(ApiClient.Reply r) {
        assertThat(r.status()).as(r.body().toString()).isEqualTo(202);
    }

    private static String status(ApiClient api, long game) {
        return api.get("/api/games/" + game).body().get("status").asText();
    }

    private static void execute(PostgresService pg, String sql, long id) throws SQLException {
        try (Connection c = pg.open();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, id);
            assertThat(ps.executeUpdate()).as(sql).isEqualTo(1);
        }
    }

    private static long count(PostgresService pg, String sql) throws SQLException {
        try (Connection c = pg.open();
                PreparedStatement ps = c.prepareStatement(sql);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void gamesComeBackAtTheirRoundWithTheirScoresAndPlayOnWithTheOldTokens(PostgresService pg) throws Exception {
        long g1;
        long g2;
        long broken;
        long old;
        long fresh;
        String ann1;
        String bob1;
        String ann2;
        String bob2;
        String cid2;
        String brokenToken;
        JsonNode g1Before;
        JsonNode g2Before;
        try (GameServer a = GameServer.start("restart-a", config(pg))) {
            ApiClient api = new ApiClient(a.baseUrl());
            // g1: 2 players, 4 rounds; round 1 played, round 2 open with ann's move
            g1 = api.createGame(2, 4);
            ann1 = api.join(g1, "ann");
            bob1 = api.join(g1, "bob");
            accepted(move(api, g1, ann1, "rock"));
            accepted(move(api, g1, bob1, "scissors"));
            accepted(move(api, g1, ann1, "paper"));
            // g2: 3 players, 3 rounds; round 1 played, then cid leaves in round 2
            g2 = api.createGame(3, 3);
            ann2 = api.join(g2, "ann");
            bob2 = api.join(g2, "bob");
            cid2 = api.join(g2, "cid");
            accepted(move(api, g2, ann2, "rock"));
            accepted(move(api, g2, bob2, "paper"));
            accepted(move(api, g2, cid2, "spock"));
            assertThat(api.post("/api/games/" + g2 + "/leave", "", cid2).status())
                    .isEqualTo(200);
            // broken: round 1 played, then its rows are corrupted
            broken = api.createGame(2, 3);
            brokenToken = api.join(broken, "ann");
            String brokenBob = api.join(broken, "bob");
            accepted(move(api, broken, brokenToken, "rock"));
            accepted(move(api, broken, brokenBob, "rock"));
            // two waiting games; old will be an hour old at the restart
            old = api.createGame(2, 1);
            api.join(old, "ann");
            fresh = api.createGame(3, 1);
            api.join(fresh, "ann");

            g1Before = api.get("/api/games/" + g1).body();
            g2Before = api.get("/api/games/" + g2).body();
            assertThat(g1Before.get("round").asInt()).isEqualTo(2);
            assertThat(g2Before.get("round").asInt()).isEqualTo(2);
        } // closed without finishing a game: its rows stay waiting and running, as after a crash

        assertThat(count(pg, "SELECT count(*) FROM games WHERE status IN ('waiting', 'running')"))
                .isEqualTo(5);
        assertThat(count(pg, "SELECT count(*) FROM server_settings WHERE name = 'token_secret'"))
                .isEqualTo(1);
        // a move by a player who is not seated: the replay refuses the game
        execute(
                pg,
                "INSERT INTO actions (game_id, player_id, round, move, created_at) VALUES (?, 424242, 1, 'rock', now())",
                broken);
        execute(pg, "UPDATE games SET created_at = created_at - interval '1 hour' WHERE id = ?", old);

        // the same instance name, the same database, still no token secret
        try (GameServer b = GameServer.start("restart-a", config(pg, "--waiting-game-ttl", "8s"))) {
            ApiClient api = new ApiClient(b.baseUrl());
            // g1, g2, and fresh unless this machine took more than 8 s from its creation to here
            assertThat(b.stats().liveGames()).isBetween(2, 3);

            // g1 over HTTP: same round, same scores, ann's move of round 2 still counts
            JsonNode g1After = api.get("/api/games/" + g1).body();
            assertThat(g1After.get("status").asText()).isEqualTo("running");
            assertThat(g1After.get("round")).isEqualTo(g1Before.get("round"));
            assertThat(g1After.get("players")).isEqualTo(g1Before.get("players"));
            ApiClient.Reply again = move(api, g1, ann1, "rock");
            assertThat(again.status()).isEqualTo(409);
            assertThat(again.error()).isEqualTo("already_moved");
            ApiClient.Reply bobMove = move(api, g1, bob1, "rock"); // paper covers rock
            accepted(bobMove);
            assertThat(bobMove.body().at("/result/round").asInt()).isEqualTo(2);
            assertThat(bobMove.body().at("/result/players/0/score").asInt()).isEqualTo(2);
            for (int round = 3; round <= 4; round++) {
                accepted(move(api, g1, ann1, "spock"));
                accepted(move(api, g1, bob1, "scissors"));
            }
            JsonNode g1End = api.get("/api/games/" + g1).body();
            assertThat(g1End.get("status").asText()).isEqualTo("finished");
            assertThat(g1End.get("players").findValues("score").stream().map(JsonNode::asInt))
                    .containsExactly(4, 0);

            // g2 over WebSocket with the old tokens: cid has left, ann and bob play rounds 2 and 3
            WsClient ann = WsClient.connect(b.wsUrl() + "?token=" + ann2);
            WsClient bob = WsClient.connect(b.wsUrl() + "?token=" + bob2);
            JsonNode welcome = ann.next("welcome");
            assertThat(welcome.get("status").asText()).isEqualTo("running");
            assertThat(welcome.get("round").asInt()).isEqualTo(2);
            bob.next("welcome");
            assertThat(api.get("/api/games/" + g2).body().get("players")).isEqualTo(g2Before.get("players"));
            ApiClient.Reply cid = move(api, g2, cid2, "rock");
            assertThat(cid.status()).isEqualTo(403);
            assertThat(cid.error()).isEqualTo("not_in_game");
            for (int round = 2; round <= 3; round++) {
                ann.send("{\"type\":\"move\",\"round\":" + round + ",\"move\":\"lizard\"}");
                bob.send("{\"type\":\"move\",\"round\":" + round + ",\"move\":\"paper\"}"); // lizard eats paper
                JsonNode ra = ann.next("result");
                assertThat(bob.next("result")).isEqualTo(ra);
                assertThat(ra.get("round").asInt()).isEqualTo(round);
            }
            JsonNode g2End = api.get("/api/games/" + g2).body();
            assertThat(g2End.get("status").asText()).isEqualTo("finished");
            // after round 1 (g2Before), ann's lizard beats bob's paper and the absent cid in rounds 2 and 3 (2
            // points each), bob beats only the absent cid (1 each)
            List<Integer> before = g2Before.get("players").findValues("score").stream()
                    .map(JsonNode::asInt)
                    .toList();
            assertThat(g2End.get("players").findValues("score").stream().map(JsonNode::asInt))
                    .containsExactly(before.get(0) + 4, before.get(1) + 2, before.get(2));
            ann.close();
            bob.close();

            // the corrupted game came back aborted, and says so
            assertThat(status(api, broken)).isEqualTo("aborted");
            ApiClient.Reply onAborted = move(api, broken, brokenToken, "rock");
            assertThat(onAborted.status()).isEqualTo(409);
            assertThat(onAborted.error()).isEqualTo("game_aborted");
            assertThat(api.get("/api/games?status=aborted").body().findValues("id").stream()
                            .map(JsonNode::asLong))
                    .containsExactly(broken);

            // the hour-old waiting game expired at the restart; the fresh one expires on its timer
            assertThat(status(api, old)).isEqualTo("expired");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> status(api, fresh).equals("expired"));
            assertThat(b.stats().liveGames()).isZero();
        }
        // no game is left waiting or running, hosted or not
        assertThat(count(pg, "SELECT count(*) FROM games WHERE status IN ('waiting', 'running')"))
                .isZero();
    }

    @Test
    void theGamesOfAGracefullyStoppedInstanceAreTakenOverByAnother(PostgresService pg) throws SQLException {
        long id;
        String ann;
        String bob;
        try (GameServer a = GameServer.start("inst-a", config(pg))) {
            ApiClient api = new ApiClient(a.baseUrl());
            id = api.createGame(2, 2);
            ann = api.join(id, "ann");
            bob = api.join(id, "bob");
            accepted(move(api, id, ann, "rock"));
        } // a graceful stop gives the lease up after the last write
        try (GameServer b = GameServer.start("inst-b", config(pg))) {
            // inst-b recovers no game of its own name, and takes inst-a's over at its next lease tick
            await().atMost(Duration.ofSeconds(10)).until(() -> b.stats().liveGames() == 1);
            ApiClient api = new ApiClient(b.baseUrl());
            ApiClient.Reply r = move(api, id, bob, "scissors"); // the token is valid: the secret is the stored one
            accepted(r);
            assertThat(r.body().at("/result/players/0/points").asInt()).isEqualTo(1); // ann's rock was rebuilt
        }
        assertThat(count(pg, "SELECT count(*) FROM games WHERE host = 'inst-b' AND epoch = 1 AND id = " + id))
                .isEqualTo(1); // claimed once, by inst-b
    }
}
