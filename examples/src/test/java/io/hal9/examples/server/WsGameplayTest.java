package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** WebSocket gameplay on embedded defaults: the protocol, the handshake's refusals, the 1001 at shutdown. */
@Timeout(60)
class WsGameplayTest {
    private static final String SECRET = "ws-test-secret-0123456789";
    private GameServer server;
    private ApiClient api;

    @BeforeEach
    void start() {
        server = GameServer.start(
                "ws-test",
                ServerConfig.parse(
                        new String[] {
                            "--port", "0", "--ws-port", "0", "--token-secret", SECRET, "--round-timeout", "30s"
                        },
                        Map.of()));
        api = new ApiClient(server.baseUrl());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String ws(String token) {
        return server.wsUrl() + "?token=" + token;
    }

    @Test
    void twoPlayersPlayOverWebSocketsWithOneResultFramePerRound() {
        long id = api.createGame(2, 2);
        String ta = api.join(id, "ann");
        WsClient a = WsClient.connect(ws(ta));
        JsonNode welcome = a.next("welcome");
        assertThat(welcome.get("gameId").asLong()).isEqualTo(id);
        assertThat(welcome.get("status").asText()).isEqualTo("waiting");
        String tb = api.join(id, "bob");
        assertThat(a.next("started").get("players")).hasSize(2);
        WsClient b = WsClient.connect(ws(tb));
        assertThat(b.next("welcome").get("status").asText()).isEqualTo("running");

        a.send("{\"type\":\"move\",\"round\":1,\"move\":\"rock\"}");
        b.send("{\"type\":\"move\",\"round\":1,\"move\":\"paper\"}");
        for (WsClient c : new WsClient[] {a, b}) {
            JsonNode r = c.next("result");
            assertThat(r.get("round").asInt()).isEqualTo(1);
            assertThat(r.at("/players/1/points").asInt()).isEqualTo(1);
            assertThat(r.get("nextRound").asInt()).isEqualTo(2);
        }
        a.send("{\"type\":\"move\",\"move\":\"spock\"}");
        b.send("{\"type\":\"move\",\"move\":\"scissors\"}"); // Spock smashes scissors
        for (WsClient c : new WsClient[] {a, b}) {
            JsonNode r = c.next("result");
            assertThat(r.get("round").asInt()).isEqualTo(2);
            assertThat(r.get("status").asText()).isEqualTo("finished");
            assertThat(r.get("winners")).hasSize(2); // 1 point each
        }
        GameServer.Stats stats = server.stats();
        assertThat(stats.actions().accepted()).isEqualTo(4);
        assertThat(stats.ws().openConnections()).isEqualTo(2);
        // the game leaves memory right after its last result is broadcast
        await().atMost(Duration.ofSeconds(5)).until(() -> server.stats().liveGames() == 0);
        // a client that suspects it missed a result asks for the last ones again: rounds 1 and 2, marked resent
        b.send("{\"type\":\"sync\"}");
        JsonNode again1 = b.next("result");
        JsonNode again2 = b.next("result");
        assertThat(List.of(again1.get("round").asInt(), again2.get("round").asInt()))
                .containsExactly(1, 2);
        assertThat(again1.get("resent").asBoolean() && again2.get("resent").asBoolean())
                .isTrue();
        assertThat(again2.get("status").asText()).isEqualTo("finished");
        a.close();
        b.close();
    }

    @Test
    void badMessagesAreAnsweredWithErrorFrames() {
        long id = api.createGame(2, 3);
        WsClient a = WsClient.connect(ws(api.join(id, "ann")));
        a.next("welcome");
        a.send("{\"type\":\"move\",\"move\":\"rock\"}");
        assertThat(a.next("error").get("error").asText()).isEqualTo("game_not_running");
        api.join(id, "bob");
        a.send("{\"type\":\"move\",\"move\":\"dynamite\"}");
        assertThat(a.next("error").get("error").asText()).isEqualTo("bad_move");
        a.send("{\"type\":\"dance\"}");
        JsonNode unknown = a.next("error");
        assertThat(unknown.get("error").asText()).isEqualTo("unknown_type");
        assertThat(unknown.get("detail").asText()).contains("move, leave or sync");
        a.send("{\"type\":\"move\",\"round\":2,\"move\":\"rock\"}");
        assertThat(a.next("error").get("error").asText()).isEqualTo("stale_round");
        a.send("{\"type\":\"move\",\"round\":1,\"move\":\"rock\"}");
        a.send("{\"type\":\"move\",\"round\":1,\"move\":\"rock\"}");
        assertThat(a.next("error").get("error").asText()).isEqualTo("already_moved");
        a.close();
    }

    @Test
    void anUndecodableFrameIsAnsweredInTheGameProtocolsErrorShapeOnly() {
        long id = api.createGame(2, 3);
        WsClient a = WsClient.connect(ws(api.join(id, "ann")));
        a.next("welcome");
        a.send("this is not JSON {");
        JsonNode refusal = a.nextAny(); // the first thing that comes back, not hal9-ws's {"hal9":"error",...}
        assertThat(refusal.path("type").asText()).isEqualTo("error");
        assertThat(refusal.path("error").asText()).isEqualTo("bad_message");
        assertThat(refusal.path("detail").asText()).isNotBlank().doesNotContain("not JSON");
        assertThat(refusal.has("hal9")).isFalse();
        // one answer per bad frame: the next thing to come is the answer to the next message
        a.send("{\"type\":\"dance\"}");
        assertThat(a.nextAny().path("error").asText()).isEqualTo("unknown_type");
        a.close();
    }

    @Test
    void theHandshakeRefusesForgedExpiredAndForeignTokens() {
        long id = api.createGame(2, 3);
        String token = api.join(id, "ann");
        long other = api.createGame(2, 3);
        String[] p = token.split("\\.");
        String forged = p[0] + "." + (Long.parseLong(p[1]) + 1) + "." + p[2] + "." + p[3];
        PlayerTokens yesterday = new PlayerTokens(
                SECRET, Duration.ofHours(1), Clock.fixed(Instant.now().minus(Duration.ofDays(1)), ZoneOffset.UTC));
        String expired = yesterday.issue(id, Long.parseLong(p[1]));

        assertThat(WsClient.refusal(server.wsUrl())).isEqualTo(401);
        assertThat(WsClient.refusal(ws(forged))).isEqualTo(401);
        assertThat(WsClient.refusal(ws("garbage"))).isEqualTo(401);
        assertThat(WsClient.refusal(ws(expired))).isEqualTo(401);
        assertThat(WsClient.refusal(ws(token) + "&game=" + other)).isEqualTo(403);
        // the genuine token still works
        WsClient ok = WsClient.connect(ws(token) + "&game=" + id);
        assertThat(ok.next("welcome").get("playerId").asLong()).isEqualTo(Long.parseLong(p[1]));
        ok.close();
    }

    @Test
    void shutdownClosesEverySessionWith1001() {
        long id = api.createGame(2, 3);
        WsClient a = WsClient.connect(ws(api.join(id, "ann")));
        a.next("welcome");
        server.close();
        assertThat(a.awaitClose()).isEqualTo(1001);
    }

    @Test
    void aPlayerWhoLeavesOverTheSocketEndsATwoPlayerGame() {
        long id = api.createGame(2, 3);
        WsClient a = WsClient.connect(ws(api.join(id, "ann")));
        WsClient b = WsClient.connect(ws(api.join(id, "bob")));
        a.next("welcome");
        b.next("welcome");
        b.send("{\"type\":\"leave\"}");
        JsonNode r = a.next("result");
        assertThat(r.get("status").asText()).isEqualTo("finished");
        assertThat(b.awaitClose()).isEqualTo(1000);
        a.close();
    }

    @Test
    void theBinaryMessagePackCodecPlaysTheSameProtocol() {
        try (GameServer binary = GameServer.start(
                "ws-msgpack",
                ServerConfig.parse(
                        new String[] {"--port", "0", "--ws-port", "0", "--ws-codec", "msgpack", "--token-secret", SECRET
                        },
                        Map.of()))) {
            ApiClient http = new ApiClient(binary.baseUrl());
            long id = http.createGame(2, 1);
            WsClient a = WsClient.connect(binary.wsUrl() + "?token=" + http.join(id, "ann"));
            WsClient b = WsClient.connect(binary.wsUrl() + "?token=" + http.join(id, "bob"));
            assertThat(a.next("welcome").get("gameId").asLong()).isEqualTo(id);
            b.next("welcome");
            a.sendMsgPack("{\"type\":\"move\",\"move\":\"rock\"}");
            b.sendMsgPack("{\"type\":\"move\",\"move\":\"lizard\"}");
            JsonNode r = b.next("result");
            assertThat(r.get("status").asText()).isEqualTo("finished");
            assertThat(r.at("/players/0/points").asInt()).isEqualTo(1);
            b.sendBinary(new byte[] {(byte) 0x81}); // a map of one entry, cut short
            assertThat(b.next("error").get("error").asText()).isEqualTo("bad_message");
        }
    }
}
