package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.testkit.PostgresService;
import io.hal9.testkit.RedisService;
import io.hal9.testkit.RequiresPostgres;
import io.hal9.testkit.RequiresRedis;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two instances sharing PostgreSQL and Redis: the games list is a near cache over Redis, and a
 * change on one instance reaches the other's list at once (pub/sub invalidation), although each
 * caches pages for a minute here. Tokens signed on one instance are accepted by the other when they
 * share the secret.
 */
@RequiresPostgres
@RequiresRedis
@Timeout(90)
class RedisModeTest {
    private static ServerConfig config(PostgresService pg, RedisService redis) {
        return SharedServices.config(pg, redis, "--cache-ttl", "60s");
    }

    @Test
    void aGameCreatedOnOneInstanceIsListedOnTheOtherAtOnce(PostgresService pg, RedisService redis) {
        try (GameServer a = GameServer.start("game-a", config(pg, redis));
                GameServer b = GameServer.start("game-b", config(pg, redis))) {
            ApiClient apiA = new ApiClient(a.baseUrl());
            ApiClient apiB = new ApiClient(b.baseUrl());
            ApiClient.Reply health = apiB.get("/health");
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.body().get("redis").asText()).isEqualTo("up");

            assertThat(apiB.get("/api/games?status=waiting").body().get("games"))
                    .isEmpty(); // cached for 60 s
            long id = apiA.createGame(2, 1);
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(
                                    apiB.get("/api/games?status=waiting").body().get("games").findValues("id").stream()
                                            .map(n -> n.asLong()))
                            .containsExactly(id));
            assertThat(apiB.get("/api/games/" + id).body().get("status").asText())
                    .isEqualTo("waiting");

            String token = apiA.join(id, "ann");
            // B knows the game from the database but does not host it: it forwards the move to A, the owner
            ApiClient.Reply move = apiB.post("/api/games/" + id + "/moves", "{\"move\":\"rock\"}", token);
            assertThat(move.status()).isEqualTo(409);
            assertThat(move.error()).isEqualTo("game_not_running"); // A's answer: the game waits for a player
        }
    }
}
