package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.hal9.examples.game.Game;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The browser pages' routes without a browser (BrowserTest drives the pages themselves): which listener serves
 * which file, with which headers, and the console's JSON routes and actions with their refusals.
 */
@Timeout(60)
class WebPagesTest {
    private GameServer server;
    private ApiClient api;
    private ApiClient admin;

    @BeforeEach
    void start() {
        server = GameServer.start(
                "web-test", ServerConfig.parse(new String[] {"--port", "0", "--round-timeout", "30s"}, Map.of()));
        api = new ApiClient(server.baseUrl());
        admin = new ApiClient(server.adminUrl());
    }

    @AfterEach
    void stop() {
        api.close();
        admin.close();
        server.close();
    }

    @Test
    void thePlayPageIsOnThePublicPortAndTheConsoleOnlyOnTheAdminListener() {
        for (String[] page : new String[][] {
            {server.baseUrl(), "/", "text/html"},
            {server.baseUrl(), "/web/play.js", "text/javascript"},
            {server.baseUrl(), "/web/hal9.css", "text/css"},
            {server.adminUrl(), "/console", "text/html"},
            {server.adminUrl(), "/web/console.js", "text/javascript"},
        }) {
            var r = new ApiClient(page[0]).rawText(page[1]);
            assertThat(r.statusCode()).as(page[1]).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith(page[2]);
            assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow())
                    .contains("default-src 'none'", "script-src 'self'", "connect-src 'self'")
                    .doesNotContain("unsafe");
            assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
            assertThat(r.headers().firstValue("Cache-Control")).contains("no-cache");
        }
        // the console and its files never on the public port, the play page's script never on the admin listener
        for (String path : List.of("/console", "/web/console.js", "/console/api/meters", "/console/api/games")) {
            ApiClient.Reply r = api.get(path);
            assertThat(r.status()).as(path).isEqualTo(404);
            assertThat(r.error()).isEqualTo("unknown_route");
        }
        assertThat(admin.get("/web/play.js").status()).isEqualTo(404);
        assertThat(admin.get("/").status()).isEqualTo(404);
        // only the files named: no path reaches another resource
        assertThat(api.get("/web/..%2Fserver%2FHttpApi.class").status()).isEqualTo(404);
        assertThat(api.get("/web/nothing.js").error()).isEqualTo("unknown_route");
        assertThat(api.post("/", "{}").status()).isEqualTo(405);
        // every existing route answers as before
        assertThat(api.get("/api/games").status()).isEqualTo(200);
        assertThat(admin.text("/metrics")).contains("http_requests_total{method=\"GET\",status=\"200\",uri=\"/\"}");
    }

    @Test
    void theConsoleListsGamesEndsOneAndDisconnectsAPlayer() {
        long id = api.createGame(2, 3);
        String ta = api.join(id, "ann");
        String tb = api.join(id, "bob");
        WsClient a = WsClient.connect(server.wsUrl() + "?token=" + ta);
        a.next("welcome");
        long other = api.createGame(2, 3);
        String tc = api.join(other, "cat");
        WsClient c = WsClient.connect(server.wsUrl() + "?token=" + tc);
        c.next("welcome");

        JsonNode meters = admin.get("/console/api/meters").body();
        assertThat(meters.get("instance").asText()).isEqualTo("web-test");
        List<String> names = new ArrayList<>();
        meters.get("meters").forEach(m -> names.add(m.get("name").asText()));
        assertThat(names)
                .contains(
                        "hal9.batcher.submissions",
                        "hal9.batcher.pending",
                        "hal9.limiter.in.flight",
                        "hal9.ws.connections",
                        "http.requests")
                .allMatch(n -> n.startsWith("hal9.") || n.startsWith("http."));

        JsonNode instances = admin.get("/console/api/instances").body();
        assertThat(instances.get("ready").asBoolean()).isTrue();
        assertThat(instances.get("instances")).hasSize(1);
        assertThat(instances.at("/instances/0/name").asText()).isEqualTo("web-test");
        assertThat(instances.at("/instances/0/leaseCurrent").asBoolean()).isTrue();
        assertThat(instances.at("/instances/0/self").asBoolean()).isTrue();
        assertThat(instances.at("/instances/0/liveGames").asInt()).isEqualTo(2);
        assertThat(instances.get("elsewhere")).isEmpty();

        assertThat(admin.get("/console/api/games").body().get("total").asInt()).isEqualTo(2);
        JsonNode games = admin.get("/console/api/games").body().get("games");
        assertThat(games).hasSize(2);
        JsonNode first = games.get(0);
        assertThat(first.get("id").asLong()).isEqualTo(id);
        assertThat(first.get("status").asText()).isEqualTo("running");
        assertThat(first.get("host").asText()).isEqualTo("web-test");
        assertThat(first.at("/players/0/name").asText()).isEqualTo("ann");
        assertThat(first.at("/players/0/connected").asBoolean()).isTrue();
        assertThat(first.at("/players/1/connected").asBoolean()).isFalse();
        assertThat(admin.get("/console/api/games/" + id)
                        .body()
                        .get("hostedHere")
                        .asBoolean())
                .isTrue();

        // actions need the console's header: a page of another origin cannot send it without a preflight
        ApiClient.Reply refused = admin.post("/console/api/games/" + other + "/end", "{}");
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.error()).isEqualTo("console_header_required");
        assertThat(admin.get("/console/api/games/" + other + "/end").status()).isEqualTo(405);
        assertThat(console(admin, "/console/api/games/" + other + "/end", "{\"detail\":\"\\u0000\"}")
                        .error())
                .isEqualTo("bad_field");
        ApiClient.Reply ended = console(admin, "/console/api/games/" + other + "/end", "{\"detail\":\"maintenance\"}");
        assertThat(ended.status()).isEqualTo(200);
        JsonNode told = c.next("ended");
        assertThat(told.get("status").asText()).isEqualTo("aborted");
        assertThat(told.get("detail").asText()).isEqualTo("maintenance");
        assertThat(api.get("/api/games/" + other).body().get("status").asText()).isEqualTo("aborted");
        assertThat(console(admin, "/console/api/games/" + other + "/end", "").status())
                .isEqualTo(409);
        assertThat(console(admin, "/console/api/games/999999/end", "").status()).isEqualTo(404);

        // a disconnected player may come back with the same token and play on
        long annId = first.at("/players/0/id").asLong();
        long bobId = first.at("/players/1/id").asLong();
        ApiClient.Reply notThere = console(admin, "/console/api/games/" + id + "/players/" + bobId + "/disconnect", "");
        assertThat(notThere.status()).isEqualTo(404);
        assertThat(notThere.error()).isEqualTo("not_connected");
        assertThat(console(admin, "/console/api/games/" + id + "/players/" + annId + "/disconnect", "")
                        .status())
                .isEqualTo(200);
        assertThat(a.awaitClose()).isEqualTo(WsGateway.DISCONNECTED);
        WsClient again = WsClient.connect(server.wsUrl() + "?token=" + ta);
        assertThat(again.next("welcome").get("status").asText()).isEqualTo("running");
        again.send("{\"type\":\"move\",\"round\":1,\"move\":\"rock\"}");
        assertThat(api.post("/api/games/" + id + "/moves", "{\"move\":\"paper\"}", tb)
                        .status())
                .isEqualTo(202);
        assertThat(again.next("result").get("round").asInt()).isEqualTo(1);
        again.close();
        c.close();
    }

    @Test
    void theConsoleRefusesARequestNamingAnotherHostWhileItsListenerIsLoopback() throws Exception {
        java.net.URI u = java.net.URI.create(server.adminUrl());
        // a re-pointed name (DNS rebinding): the browser sends the attacker's host name
        assertThat(rawGet(u.getPort(), "/console/api/games", "evil.example:" + u.getPort()))
                .startsWith("HTTP/1.1 403")
                .contains("bad_host");
        assertThat(rawGet(u.getPort(), "/console/api/games", "localhost:" + u.getPort()))
                .startsWith("HTTP/1.1 200");
        assertThat(rawGet(u.getPort(), "/console/api/games", "127.0.0.1:" + u.getPort()))
                .startsWith("HTTP/1.1 200");
        for (String ok : new String[] {"localhost", "127.0.0.1:9080", "[::1]:9080", "LOCALHOST:1", "127.1.2.3"}) {
            Console.requireLoopbackHost(ok);
        }
        for (String bad :
                new String[] {"", "evil.example", "127.0.0.1.evil.example", "[::2]:80", "localhost.example"}) {
            assertThatThrownBy(() -> Console.requireLoopbackHost(bad))
                    .as(bad)
                    .isInstanceOf(ApiException.class)
                    .hasMessageContaining("loopback host");
        }
        assertThatThrownBy(() -> Console.requireLoopbackHost(null)).isInstanceOf(ApiException.class);
    }

    /** A GET with a Host header of the test's choosing (the JDK's HTTP client does not let one set it). */
    private static String rawGet(int port, String path, String host) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream()
                    .write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void theConsoleListsAtMostTwoHundredGamesWithTheTotal() {
        for (int i = 0; i < Console.MAX_LISTED + 5; i++) {
            server.gameService().create(new Game.Settings(2, 3, Duration.ofSeconds(30)));
        }
        JsonNode body = admin.get("/console/api/games").body();
        assertThat(body.get("total").asInt()).isEqualTo(Console.MAX_LISTED + 5);
        assertThat(body.get("games")).hasSize(Console.MAX_LISTED);
        assertThat(body.at("/games/0/id").asLong())
                .isLessThan(body.at("/games/1/id").asLong());
    }

    private static ApiClient.Reply console(ApiClient c, String path, String body) {
        return c.send(HttpRequest.newBuilder(URI.create(c.base() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json")
                .header(Console.ACTION_HEADER, "1"));
    }
}
