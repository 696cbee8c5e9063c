package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The reference server's WebSocket limits on embedded defaults: connections per client address, and one
 * live session per player (a new connection with a player's token replaces the old one).
 */
@Timeout(60)
class WsLimitsTest {
    private static GameServer start(String name, String... more) {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--ws-port", "0", "--round-timeout", "30s"));
        args.addAll(List.of(more));
        return GameServer.start(name, ServerConfig.parse(args.toArray(String[]::new), Map.of()));
    }

    private static String ws(GameServer server, String token) {
        return server.wsUrl() + "?token=" + token;
    }

    @Test
    void oneTokenOpeningSessionsInARowKeepsOnlyTheLatestLiveAndItPlays() {
        try (GameServer server = start("replace-test")) {
            ApiClient api = new ApiClient(server.baseUrl());
            long game = api.createGame(2, 1);
            String ann = api.join(game, "ann");
            String bob = api.join(game, "bob");
            WsClient bobWs = WsClient.connect(ws(server, bob));
            bobWs.next("welcome");

            int n = 6;
            List<WsClient> sessions = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                WsClient c = WsClient.connect(ws(server, ann));
                assertThat(c.next("welcome").get("playerId").asLong()).isPositive();
                if (!sessions.isEmpty()) {
                    WsClient previous = sessions.get(sessions.size() - 1);
                    assertThat(previous.awaitClose()).isEqualTo(WsGateway.REPLACED);
                    assertThat(previous.awaitCloseReason()).isEqualTo(WsGateway.REPLACED_REASON);
                }
                sessions.add(c);
                // at most one live session for ann (plus bob's): the replaced one is gone once it has closed
                await().atMost(Duration.ofSeconds(5))
                        .untilAsserted(() -> assertThat(server.stats().ws().openConnections())
                                .isEqualTo(2));
            }
            WsClient latest = sessions.get(n - 1);
            assertThat(latest.closed()).isFalse();
            latest.send("{\"type\":\"move\",\"move\":\"rock\"}");
            bobWs.send("{\"type\":\"move\",\"move\":\"paper\"}");
            JsonNode result = latest.next("result");
            assertThat(result.get("gameId").asLong()).isEqualTo(game);
            assertThat(result.get("status").asText()).isEqualTo("finished");
            assertThat(bobWs.next("result").get("round").asInt()).isEqualTo(1);
        }
    }

    @Test
    void oneTokenOpeningSessionsAtOnceEndsWithExactlyOneLive() throws Exception {
        int n = 16;
        try (GameServer server = start("replace-race-test");
                ExecutorService pool = Executors.newFixedThreadPool(n)) {
            ApiClient api = new ApiClient(server.baseUrl());
            long game = api.createGame(2, 1);
            String ann = api.join(game, "ann");
            String bob = api.join(game, "bob");
            List<CompletableFuture<WsClient>> opening = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                opening.add(CompletableFuture.supplyAsync(() -> WsClient.connect(ws(server, ann)), pool));
            }
            List<WsClient> all = new ArrayList<>();
            for (CompletableFuture<WsClient> f : opening) {
                all.add(f.get());
            }
            // every session but one is replaced, whatever the order the handshakes finished in
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> all.stream().filter(WsClient::closed).count() == n - 1);
            assertThat(server.stats().ws().openConnections()).isEqualTo(1);
            WsClient live = all.stream().filter(c -> !c.closed()).findFirst().orElseThrow();
            for (WsClient c : all) {
                if (c != live) {
                    assertThat(c.awaitClose()).isEqualTo(WsGateway.REPLACED);
                }
            }
            WsClient bobWs = WsClient.connect(ws(server, bob));
            bobWs.next("welcome");
            live.send("{\"type\":\"move\",\"move\":\"spock\"}");
            bobWs.send("{\"type\":\"move\",\"move\":\"rock\"}");
            assertThat(live.next("result").get("status").asText()).isEqualTo("finished");
            assertThat(server.stats().ws().openConnections()).isEqualTo(2);
        }
    }

    @Test
    void connectionsFromOneAddressStopAtItsLimitWith503AndAFreedPlaceIsTaken() {
        try (GameServer server = start("per-address-test", "--ws-max-connections-per-address", "2")) {
            long game;
            String ann;
            String bob;
            String cid;
            // HTTP and WebSocket share the port and its per-address limit: the API client's connection is
            // closed before the players connect, so that the two places are theirs
            try (ApiClient api = new ApiClient(server.baseUrl())) {
                game = api.createGame(3, 1);
                ann = api.join(game, "ann");
                bob = api.join(game, "bob");
                cid = api.join(game, "cid");
            }
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(WsClient.refusal(ws(server, "x")))
                            .isEqualTo(401)); // a place is free again: the handshake gets as far as the token check
            WsClient annWs = WsClient.connect(ws(server, ann));
            annWs.next("welcome");
            WsClient bobWs = WsClient.connect(ws(server, bob));
            bobWs.next("welcome");
            // a third player on the same address: refused at the handshake, before any session exists
            assertThat(WsClient.refusal(ws(server, cid))).isEqualTo(503);
            assertThat(server.stats().ws().openConnections()).isEqualTo(2);

            annWs.close();
            assertThat(annWs.awaitClose()).isEqualTo(1000);
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() ->
                            assertThat(server.stats().ws().openConnections()).isEqualTo(1));
            WsClient cidWs = WsClient.connect(ws(server, cid));
            assertThat(cidWs.next("welcome").get("status").asText()).isEqualTo("running");
        }
    }
}
