package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.hal9.testkit.PostgresService;
import io.hal9.testkit.PrivateRedisCluster;
import io.hal9.testkit.RequiresPostgres;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.ValueListOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two instances on a private Redis Cluster (3 masters, 3 replicas; {@code --redis-uri
 * redis-cluster://h:p,h:p,h:p}) and the shared PostgreSQL: a player on each instance play one game to
 * the end, the second player's moves forwarded and the round results broadcast over the cluster's
 * sharded pub/sub. Skipped without {@code redis-server}/{@code redis-cli} (failed with {@code
 * HAL9_REQUIRE_SERVICES=1}).
 */
@RequiresPostgres
@Timeout(120)
class RedisClusterInstancesTest {

    @Test
    void aPlayerOnEachInstancePlayTheSameGameOverARedisCluster(PostgresService pg) throws Exception {
        long id;
        try (PrivateRedisCluster cluster = PrivateRedisCluster.start()) {
            String prefix = "hal9test:" + UUID.randomUUID().toString().substring(0, 8) + ":";
            List<String> args = SharedServices.postgresArgs(
                    pg.jdbcUrl(),
                    3,
                    SharedServices.journalDir(),
                    "--redis-uri",
                    cluster.uri(),
                    "--redis-prefix",
                    prefix,
                    "--token-secret",
                    "shared-secret-of-both-instances",
                    "--round-timeout",
                    "30s");
            try (GameServer a = GameServer.start("cluster-a", SharedServices.parse(args));
                    GameServer b = GameServer.start("cluster-b", SharedServices.parse(args))) {
                ApiClient apiA = new ApiClient(a.baseUrl());
                ApiClient apiB = new ApiClient(b.baseUrl());
                assertThat(apiA.get("/health/ready").status()).isEqualTo(200);
                id = apiA.createGame(2, 3);
                // the join goes through B: the games list and the game's row are read wherever the game is
                WsClient ann = WsClient.connect(a.wsUrl() + "?token=" + apiA.join(id, "ann"));
                WsClient bob = WsClient.connect(b.wsUrl() + "?token=" + apiA.join(id, "bob"));
                ann.next("welcome");
                assertThat(bob.next("welcome").get("status").asText()).isEqualTo("running");
                assertThat(apiB.get("/api/games/" + id).status()).isEqualTo(200);

                // every channel of the deployment is a shard channel, spread over the masters: each
                // instance's own move channel (moves forwarded to it) and the game's room
                Set<String> shardChannels = shardChannels(cluster, prefix);
                assertThat(shardChannels)
                        .contains(
                                prefix + "instance:cluster-a:moves",
                                prefix + "instance:cluster-b:moves",
                                prefix + "room:game:" + id);

                List<String> annMoves = List.of("rock", "paper", "spock");
                List<String> bobMoves = List.of("scissors", "paper", "lizard");
                JsonNode last = null;
                for (int round = 1; round <= 3; round++) {
                    ann.send(
                            "{\"type\":\"move\",\"round\":" + round + ",\"move\":\"" + annMoves.get(round - 1) + "\"}");
                    bob.send(
                            "{\"type\":\"move\",\"round\":" + round + ",\"move\":\"" + bobMoves.get(round - 1) + "\"}");
                    JsonNode ra = ann.next("result");
                    JsonNode rb = bob.next("result");
                    assertThat(ra.get("round").asInt()).isEqualTo(round);
                    assertThat(rb).isEqualTo(ra);
                    last = ra;
                }
                assertThat(last.get("status").asText()).isEqualTo("finished");
                assertThat(last.findValues("score").stream().map(JsonNode::asInt))
                        .containsExactly(1, 1);

                String metricsB = new ApiClient(b.adminUrl()).text("/metrics");
                assertThat(Scrapes.sample(
                                metricsB,
                                "hal9_ws_roombus_broadcasts_total{name=\"cluster-b-rooms\",result=\"received\"}"))
                        .isGreaterThanOrEqualTo(3.0);
                assertThat(Scrapes.sample(
                                metricsB,
                                "hal9_ws_roombus_broadcasts_total{name=\"cluster-b-rooms\",result=\"missed\"}"))
                        .as("no broadcast of A went missing on the way to B")
                        .isZero();
                assertThat(a.stats().relayLost() + b.stats().relayLost()).isZero();
            }
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

    /** {@code PUBSUB SHARDCHANNELS <prefix>*} on every master, together. */
    private static Set<String> shardChannels(PrivateRedisCluster cluster, String prefix) {
        Set<String> out = new HashSet<>();
        for (int port : cluster.masters()) {
            RedisClient client = RedisClient.create("redis://127.0.0.1:" + port);
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                List<String> channels = c.sync()
                        .dispatch(
                                CommandType.PUBSUB,
                                new ValueListOutput<>(StringCodec.UTF8),
                                new CommandArgs<>(StringCodec.UTF8)
                                        .add("SHARDCHANNELS")
                                        .add(prefix + "*"));
                out.addAll(channels);
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }
        return out;
    }
}
