package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
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
        int threads = 16;
        try (GameServer server = start("limit-test", "--max-live-games", String.valueOf(max));
                ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            ApiClient api = new ApiClient(server.baseUrl());
            CyclicBarrier go = new CyclicBarrier(threads);
            ConcurrentLinkedQueue<ApiClient.Reply> replies = new ConcurrentLinkedQueue<>();
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < 3; i++) {
                        replies.add(api.post("/api/games", "{\"maxPlayers\":2,\"rounds\":1}"));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            assertThat(replies).hasSize(threads * 3);
            assertThat(replies.stream().filter(r -> r.status() == 201)).hasSize(max);
            assertThat(replies.stream().filter(r -> r.status() != 201)).allSatisfy(r -> {
                assertThat(r.status()).isEqualTo(503);
                assertThat(r.error()).isEqualTo("too_many_games");
            });
            assertThat(server.stats().liveGames()).isEqualTo(max);

            // a game that finishes gives its slot back
            long id = replies.stream()
                    .filter(r -> r.status() == 201)
                    .findFirst()
                    .orElseThrow()
                    .body()
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
