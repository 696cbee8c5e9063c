package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.hal9.testkit.PostgresService;
import io.hal9.testkit.RedisService;
import io.hal9.testkit.RequiresPostgres;
import io.hal9.testkit.RequiresRedis;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two instances sharing PostgreSQL and Redis (in one JVM): a player connected to instance A and a
 * player connected to instance B play the same game to the end. A hosts the game; B forwards its
 * player's moves through Redis, and A's round results reach B's player through the Redis room bus.
 */
@RequiresPostgres
@RequiresRedis
@Timeout(90)
class TwoInstancesTest {
    private static ServerConfig config(PostgresService pg, RedisService redis) {
        return SharedServices.config(pg, redis, "--round-timeout", "30s");
    }

    @Test
    void aPlayerOnEachInstancePlayTheSameGameToTheEnd(PostgresService pg, RedisService redis) throws Exception {
        long id;
        try (GameServer a = GameServer.start("game-a", config(pg, redis));
                GameServer b = GameServer.start("game-b", config(pg, redis))) {
            ApiClient apiA = new ApiClient(a.baseUrl());
            id = apiA.createGame(2, 3);
            WsClient ann = WsClient.connect(a.wsUrl() + "?token=" + apiA.join(id, "ann"));
            WsClient bob = WsClient.connect(b.wsUrl() + "?token=" + apiA.join(id, "bob"));
            ann.next("welcome");
            assertThat(bob.next("welcome").get("status").asText()).isEqualTo("running");

            List<String> annMoves = List.of("rock", "paper", "spock");
            List<String> bobMoves = List.of("scissors", "paper", "lizard");
            JsonNode last = null;
            for (int round = 1; round <= 3; round++) {
                ann.send("{\"type\":\"move\",\"round\":" + round + ",\"move\":\"" + annMoves.get(round - 1) + "\"}");
                bob.send("{\"type\":\"move\",\"round\":" + round + ",\"move\":\"" + bobMoves.get(round - 1) + "\"}");
                JsonNode ra = ann.next("result");
                JsonNode rb = bob.next("result");
                assertThat(ra.get("round").asInt()).isEqualTo(round);
                assertThat(rb).isEqualTo(ra);
                last = ra;
            }
            // rock beats scissors, paper ties paper, lizard poisons Spock: 1 point each
            assertThat(last.get("status").asText()).isEqualTo("finished");
            assertThat(last.get("winners")).hasSize(2);
            assertThat(last.findValues("score").stream().map(JsonNode::asInt)).containsExactly(1, 1);

            // A published started + 3 results on hal9-ws's Redis room bus; B (in the room from round 1) got the
            // 3 results; bob's moves crossed the forwarder
            String metricsA = new ApiClient(a.adminUrl()).text("/metrics");
            String metricsB = new ApiClient(b.adminUrl()).text("/metrics");
            assertThat(Scrapes.sample(
                            metricsA, "hal9_ws_roombus_broadcasts_total{name=\"game-a-rooms\",result=\"published\"}"))
                    .isGreaterThanOrEqualTo(4.0);
            assertThat(Scrapes.sample(
                            metricsB, "hal9_ws_roombus_broadcasts_total{name=\"game-b-rooms\",result=\"received\"}"))
                    .isGreaterThanOrEqualTo(3.0);
            assertThat(Scrapes.sample(metricsB, "hal9_move_forwarder_lost_total{name=\"game-b-moves\"}"))
                    .isZero();
            assertThat(metricsA).contains("hal9_near_cache_invalidation_messages_total{");
            assertThat(a.stats().relayLost() + b.stats().relayLost()).isZero();
            Scrapes.assertPromtoolAccepts(metricsB); // Redis mode: near cache, room bus, forwarder
        }
        try (Connection c = pg.open();
                PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM actions WHERE game_id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(6);
            }
        }
    }
}
