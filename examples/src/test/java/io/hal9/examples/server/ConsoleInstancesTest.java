package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.hal9.testkit.PostgresService;
import io.hal9.testkit.RedisService;
import io.hal9.testkit.RequiresPostgres;
import io.hal9.testkit.RequiresRedis;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The console's view of several instances sharing PostgreSQL (and Redis): each lists both instances with a
 * current lease, and the games the other one hosts; an instance that stops gracefully shows as lapsed.
 */
@RequiresPostgres
@RequiresRedis
@Timeout(90)
class ConsoleInstancesTest {
    @Test
    void eachInstanceSeesTheOtherAndItsGames(PostgresService pg, RedisService redis) {
        GameServer a = GameServer.start("console-a", SharedServices.config(pg, redis));
        try (GameServer b = GameServer.start("console-b", SharedServices.config(pg, redis))) {
            long onB;
            try (ApiClient apiB = new ApiClient(b.baseUrl());
                    ApiClient adminA = new ApiClient(a.adminUrl())) {
                onB = apiB.createGame(2, 3);
                JsonNode seen = adminA.get("/console/api/instances").body();
                assertThat(seen.get("instance").asText()).isEqualTo("console-a");
                assertThat(lease(seen, "console-a")).isEqualTo("current");
                assertThat(lease(seen, "console-b")).isEqualTo("current");
                List<String> elsewhere = new ArrayList<>();
                seen.get("elsewhere")
                        .forEach(g -> elsewhere.add(
                                g.get("id").asLong() + "@" + g.get("host").asText()));
                assertThat(elsewhere).contains(onB + "@console-b");
                // A's own list holds only what A hosts
                adminA.get("/console/api/games")
                        .body()
                        .get("games")
                        .forEach(g -> assertThat(g.get("id").asLong()).isNotEqualTo(onB));
            }
            a.close(); // a graceful stop gives the lease up
            try (ApiClient adminB = new ApiClient(b.adminUrl())) {
                assertThat(lease(adminB.get("/console/api/instances").body(), "console-a"))
                        .isEqualTo("lapsed");
            }
        } finally {
            a.close();
        }
    }

    /** "current", "lapsed" or "absent": the lease of {@code name} in a {@code /console/api/instances} body. */
    private static String lease(JsonNode body, String name) {
        for (JsonNode i : body.get("instances")) {
            if (i.get("name").asText().equals(name)) {
                return i.get("leaseCurrent").asBoolean() ? "current" : "lapsed";
            }
        }
        return "absent";
    }
}
