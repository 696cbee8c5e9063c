package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hal9.testkit.FaultProxy;
import io.hal9.testkit.PostgresService;
import io.hal9.testkit.RedisService;
import io.hal9.testkit.RequiresPostgres;
import io.hal9.testkit.RequiresRedis;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A round result that the room bus lost is sent again (issue 17): instance B reaches Redis through a {@link
 * FaultProxy}; while the proxy resets B's connections, the game's host A resolves a round whose result B's
 * player cannot hear. Once B's room subscription is back, B asks A for the game's last results and sends
 * them to its player, marked {@code "resent": true}, equal to what A's player got.
 */
@RequiresPostgres
@RequiresRedis
@Timeout(90)
class ResultResendTest {
    @Test
    void aResultLostWhileTheRoomBusWasCutReachesThePlayerOnceItIsBack(PostgresService pg, RedisService redis)
            throws Exception {
        try (FaultProxy proxy = FaultProxy.startForRedisUri(redis.uri());
                GameServer a =
                        GameServer.start("resend-a", SharedServices.config(pg, redis, "--round-timeout", "30s"));
                GameServer b = GameServer.start("resend-b", throughProxy(pg, redis, proxy))) {
            Table t = Table.seat(a, b);
            WsClient ann = t.ann();
            WsClient bob = t.bob();

            // round 1 crosses the bus as usual
            ann.send("{\"type\":\"move\",\"round\":1,\"move\":\"rock\"}");
            bob.send("{\"type\":\"move\",\"round\":1,\"move\":\"rock\"}");
            assertThat(bob.next("result")).isEqualTo(ann.next("result"));

            // B loses Redis; round 2 is played on A (bob's move over HTTP to the host) and its result published
            cut(proxy);
            ann.send("{\"type\":\"move\",\"round\":2,\"move\":\"paper\"}");
            assertThat(t.bobMovesOverHttp("rock")).isEqualTo(202);
            JsonNode annRound2 = ann.next("result");
            assertThat(annRound2.get("round").asInt()).isEqualTo(2);

            // Redis back for B: its room subscription comes back, B asks A, bob hears round 2, marked as sent again
            proxy.pass();
            JsonNode bobRound2 = bobNext(bob, 2); // the owner sends its last two results: round 1 came again first
            assertResentCopyOf(bobRound2, annRound2);

            String metricsA = new ApiClient(a.adminUrl()).text("/metrics");
            String metricsB = new ApiClient(b.adminUrl()).text("/metrics");
            assertThat(Scrapes.sample(metricsB, "hal9_results_resend_requested_total{instance=\"resend-b\"}"))
                    .isGreaterThanOrEqualTo(1.0);
            assertThat(Scrapes.sample(metricsA, "hal9_results_resend_served_total{instance=\"resend-a\"}"))
                    .isGreaterThanOrEqualTo(1.0);
            assertThat(Scrapes.sample(metricsB, "hal9_results_resent_total{instance=\"resend-b\"}"))
                    .isGreaterThanOrEqualTo(1.0);

            // and the game goes on across the bus
            ann.send("{\"type\":\"move\",\"round\":3,\"move\":\"spock\"}");
            bob.send("{\"type\":\"move\",\"round\":3,\"move\":\"lizard\"}");
            JsonNode last = ann.next("result");
            assertThat(bobNext(bob, 3)).isEqualTo(last);
            assertThat(last.get("status").asText()).isEqualTo("finished");
        }
    }

    /**
     * The first ask is lost: the owner A is cut from Redis when B asks (nobody listens on A's move channel), so
     * only B's next ask, a second later, can reach A once A is back. Without the retry, bob never hears round 2.
     */
    @Test
    void anAskTheOwnerNeverHeardIsMadeAgain(PostgresService pg, RedisService redis) throws Exception {
        try (FaultProxy proxyA = FaultProxy.startForRedisUri(redis.uri());
                FaultProxy proxyB = FaultProxy.startForRedisUri(redis.uri());
                GameServer a = GameServer.start("retry-a", throughProxy(pg, redis, proxyA));
                GameServer b = GameServer.start("retry-b", throughProxy(pg, redis, proxyB))) {
            Table t = Table.seat(a, b);
            WsClient ann = t.ann();
            WsClient bob = t.bob();

            // B loses Redis; round 2 is resolved on A and its result published: B's player misses it
            cut(proxyB);
            ann.send("{\"type\":\"move\",\"round\":1,\"move\":\"paper\"}");
            assertThat(t.bobMovesOverHttp("rock")).isEqualTo(202);
            JsonNode annRound1 = ann.next("result");

            // now A loses Redis, and B comes back: B's first ask reaches Redis while nobody listens for A
            cut(proxyA);
            ApiClient adminB = new ApiClient(b.adminUrl());
            proxyB.pass();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> Scrapes.sample(
                                    adminB.text("/metrics"),
                                    "hal9_results_resend_requested_total{instance=\"retry-b\"}")
                            >= 1.0);

            // A back: one of B's later asks reaches it, and bob hears round 1, marked as sent again
            proxyA.pass();
            JsonNode bobRound1 = bobNext(bob, 1);
            assertResentCopyOf(bobRound1, annRound1);
            assertThat(Scrapes.sample(
                            adminB.text("/metrics"), "hal9_results_resend_requested_total{instance=\"retry-b\"}"))
                    .isGreaterThanOrEqualTo(2.0);
        }
    }

    /** Ann on A (the game's host) and bob on B, both welcomed into A's running game of 2 players and 3 rounds. */
    private record Table(ApiClient api, long id, WsClient ann, WsClient bob, String bobToken) {
        static Table seat(GameServer a, GameServer b) {
            ApiClient api = new ApiClient(a.baseUrl());
            long id = api.createGame(2, 3);
            WsClient ann = WsClient.connect(a.wsUrl() + "?token=" + api.join(id, "ann"));
            String bobToken = api.join(id, "bob");
            WsClient bob = WsClient.connect(b.wsUrl() + "?token=" + bobToken);
            ann.next("welcome");
            assertThat(bob.next("welcome").get("status").asText()).isEqualTo("running");
            return new Table(api, id, ann, bob, bobToken);
        }

        /** Bob's move sent over HTTP to the game's host (not through B); the response's status. */
        int bobMovesOverHttp(String move) {
            return api.post("/api/games/" + id + "/moves", "{\"move\":\"" + move + "\"}", bobToken)
                    .status();
        }
    }

    /** Resets and refuses the proxy's connections, and waits until it holds none. */
    private static void cut(FaultProxy proxy) {
        proxy.refuse();
        await().atMost(Duration.ofSeconds(10)).until(() -> proxy.openConnections() == 0);
    }

    /** {@code resent} is marked as sent again and is otherwise the result {@code original} as first sent. */
    private static void assertResentCopyOf(JsonNode resent, JsonNode original) {
        assertThat(resent.path("resent").asBoolean()).isTrue();
        ObjectNode asSent = resent.deepCopy();
        asSent.remove("resent");
        assertThat(asSent).isEqualTo(original);
    }

    /** An instance reaching Redis through {@code proxy}, with the token secret of SharedServices.config. */
    private static ServerConfig throughProxy(PostgresService pg, RedisService redis, FaultProxy proxy) {
        return SharedServices.parse(SharedServices.postgresArgs(
                pg.jdbcUrl(),
                3,
                SharedServices.journalDir(),
                "--redis-uri",
                proxy.redisUriThrough(redis.uri()),
                "--redis-prefix",
                redis.keyPrefix(),
                "--token-secret",
                "shared-secret-of-both-instances",
                "--round-timeout",
                "30s"));
    }

    /** The next result of {@code round} (results of earlier rounds sent again are skipped, as a client would). */
    private static JsonNode bobNext(WsClient c, int round) {
        while (true) {
            JsonNode r = c.next("result");
            if (r.get("round").asInt() == round) {
                return r;
            }
            assertThat(r.get("round").asInt())
                    .as("a result skipped before round " + round)
                    .isLessThan(round);
            assertThat(r.path("resent").asBoolean())
                    .as("an earlier round's result is a re-sent one")
                    .isTrue();
        }
    }
}
