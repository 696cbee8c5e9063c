package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.hal9.examples.game.Game;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A game's life on embedded defaults: the exact limit of live games, and waiting games that expire. */
@Timeout(60)
class GameLifecycleTest {
    private static GameServer start(String name, String... more) {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--ws-port", "0", "--round-timeout", "30s"));
        args.addAll(List.of(more));
        return GameServer.start(name, ServerConfig.parse(args.toArray(String[]::new), Map.of()));
    }

    @Test
    void concurrentCreatesNeverExceedMaxLiveGamesAndAnEndedGameFreesItsSlot() throws Exception {
        int max = 5;
        int threads = 32;
        try (GameServer server = start("limit-test", "--max-live-games", String.valueOf(max));
                ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            GameService service = server.gameService();
            Game.Settings settings = new Game.Settings(2, 1, Duration.ofSeconds(30));
            CyclicBarrier go = new CyclicBarrier(threads);
            List<Future<Boolean>> created = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                created.add(pool.submit(() -> {
                    go.await(); // every thread asks at once: a check-then-insert would let them all in
                    try {
                        service.create(settings);
                        return true;
                    } catch (ApiException e) {
                        assertThat(e.status()).isEqualTo(503);
                        assertThat(e.error()).isEqualTo("too_many_games");
                        return false;
                    }
                }));
            }
            int ok = 0;
            for (Future<Boolean> f : created) {
                ok += f.get() ? 1 : 0;
            }
            assertThat(ok).isEqualTo(max);
            assertThat(server.stats().liveGames()).isEqualTo(max);

            // over HTTP: 503, until a game that finishes gives its slot back
            ApiClient api = new ApiClient(server.baseUrl());
            ApiClient.Reply full = api.post("/api/games", "{}");
            assertThat(full.status()).isEqualTo(503);
            assertThat(full.error()).isEqualTo("too_many_games");
            long id = api.get("/api/games?status=waiting")
                    .body()
                    .get("games")
                    .get(0)
                    .get("id")
                    .asLong();
            String a = api.join(id, "ann");
            String b = api.join(id, "bob");
            api.post("/api/games/" + id + "/moves", "{\"move\":\"rock\"}", a);
            api.post("/api/games/" + id + "/moves", "{\"move\":\"paper\"}", b);
            await().atMost(Duration.ofSeconds(5)).until(() -> server.stats().liveGames() == max - 1);
            assertThat(api.post("/api/games", "{}").status()).isEqualTo(201);
            assertThat(api.post("/api/games", "{}").error()).isEqualTo("too_many_games");
        }
    }

    @Test
    void aGameStillWaitingAfterTheTtlExpiresAndItsPlayersAreTold() {
        try (GameServer server = start("ttl-test", "--waiting-game-ttl", "1s", "--cache-ttl", "10ms")) {
            ApiClient api = new ApiClient(server.baseUrl());
            long started = api.createGame(2, 3);
            api.join(started, "cid");
            api.join(started, "dan"); // starts: it no longer expires
            long waiting = api.createGame(3, 1);
            String token = api.join(waiting, "ann");
            WsClient ann = WsClient.connect(server.wsUrl() + "?token=" + token);
            assertThat(ann.next("welcome").get("status").asText()).isEqualTo("waiting");

            JsonNode ended = ann.next("ended"); // within 10 s
            assertThat(ended.get("gameId").asLong()).isEqualTo(waiting);
            assertThat(ended.get("status").asText()).isEqualTo("expired");
            assertThat(ended.get("detail").asText()).contains("PT1S");
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(api.get("/api/games/" + waiting)
                                    .body()
                                    .get("status")
                                    .asText())
                            .isEqualTo("expired"));
            assertThat(api.get("/api/games?status=expired").body().findValues("id").stream()
                            .map(JsonNode::asLong))
                    .containsExactly(waiting);

            ApiClient.Reply join = api.post("/api/games/" + waiting + "/join", "{\"name\":\"bob\"}");
            assertThat(join.status()).isEqualTo(409);
            assertThat(join.error()).isEqualTo("game_expired");
            ApiClient.Reply leave = api.post("/api/games/" + waiting + "/leave", "", token);
            assertThat(leave.error()).isEqualTo("game_expired");
            // over the WebSocket too: the game's row says why
            ann.send("{\"type\":\"move\",\"move\":\"rock\"}");
            assertThat(ann.next("error").get("error").asText()).isEqualTo("game_expired");

            // the started game, created before the expired one, plays on
            assertThat(api.get("/api/games/" + started).body().get("status").asText())
                    .isEqualTo("running");
            assertThat(server.stats().liveGames()).isEqualTo(1);
        }
    }
}
