package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The HTTP API of a server on embedded defaults (H2, local cache): happy paths and every refusal. */
@Timeout(60)
class HttpApiTest {
    private static GameServer server;
    private static ApiClient api;

    @BeforeAll
    static void start() {
        server = GameServer.start(
                "http-test",
                ServerConfig.parse(
                        new String[] {"--port", "0", "--ws-port", "0", "--round-timeout", "1s", "--cache-ttl", "50ms"},
                        Map.of()));
        api = new ApiClient(server.baseUrl());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void embeddedDefaultsAnswerHealthWithTheDatabaseUp() {
        assertThat(server.embeddedDatabase()).isTrue();
        ApiClient.Reply r = api.get("/health");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().get("db").asText()).isEqualTo("up");
        assertThat(r.body().get("redis").asText()).isEqualTo("not configured");
    }

    @Test
    void livenessAndReadinessAnswerFromTheProbe() {
        ApiClient.Reply live = api.get("/health/live");
        assertThat(live.status()).isEqualTo(200);
        assertThat(live.body().get("status").asText()).isEqualTo("live");
        ApiClient.Reply ready = api.get("/health/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.body().get("status").asText()).isEqualTo("ready");
        assertThat(ready.body().at("/dependencies/database/status").asText()).isEqualTo("up");
        assertThat(java.time.Instant.parse(
                        ready.body().at("/dependencies/database/checkedAt").asText()))
                .isBeforeOrEqualTo(java.time.Instant.now());
        assertThat(ready.body().at("/dependencies/redis").isMissingNode()).isTrue();
        ApiClient.Reply post = api.post("/health/ready", "{}");
        assertThat(post.status()).isEqualTo(405);
        assertThat(api.get("/health/other").status()).isEqualTo(404);
    }

    @Test
    void twoPlayersPlayAGameToTheEnd() {
        long id = api.createGame(2, 2);
        String a = api.join(id, "ann");
        ApiClient.Reply joinB = api.post("/api/games/" + id + "/join", "{\"name\":\"bob\"}");
        assertThat(joinB.status()).isEqualTo(200);
        assertThat(joinB.body().get("status").asText()).isEqualTo("running");
        String b = joinB.body().get("token").asText();

        ApiClient.Reply m1 = api.post("/api/games/" + id + "/moves", "{\"move\":\"rock\"}", a);
        assertThat(m1.status()).isEqualTo(202);
        assertThat(m1.body().get("round").asInt()).isEqualTo(1);
        assertThat(m1.body().get("result").isNull()).isTrue();
        ApiClient.Reply m2 = api.post("/api/games/" + id + "/moves", "{\"move\":\"spock\"}", b);
        assertThat(m2.status()).isEqualTo(202);
        assertThat(m2.body().at("/result/players/1/points").asInt()).isEqualTo(1);
        assertThat(m2.body().at("/result/nextRound").asInt()).isEqualTo(2);

        api.post("/api/games/" + id + "/moves", "{\"move\":\"paper\"}", a);
        ApiClient.Reply last = api.post("/api/games/" + id + "/moves", "{\"move\":\"paper\"}", b);
        assertThat(last.body().at("/result/status").asText()).isEqualTo("finished");

        ApiClient.Reply game = api.get("/api/games/" + id);
        assertThat(game.status()).isEqualTo(200);
        assertThat(game.body().get("status").asText()).isEqualTo("finished");
        assertThat(game.body().get("players")).hasSize(2);
        assertThat(game.body().at("/players/1/score").asInt()).isEqualTo(1);
    }

    @Test
    void aSilentPlayerForfeitsWhenTheRoundTimesOut() {
        long id = api.createGame(2, 1);
        String a = api.join(id, "ann");
        api.join(id, "bob");
        assertThat(api.post("/api/games/" + id + "/moves", "{\"move\":\"lizard\"}", a)
                        .status())
                .isEqualTo(202);
        awaitFinished(id);
        ApiClient.Reply game = api.get("/api/games/" + id);
        assertThat(game.body().at("/players/0/score").asInt()).isEqualTo(1);
        assertThat(game.body().at("/players/1/score").asInt()).isZero();
    }

    /** Waits (10 s at most) until the game's status reads finished. */
    private void awaitFinished(long id) {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> api.get("/api/games/" + id)
                        .body()
                        .get("status")
                        .asText()
                        .equals("finished"));
    }

    @Test
    void aGameWhoseRoundWasPlayedKeepsTimingOutRoundAfterRoundToItsEnd() {
        long timeoutsBefore = server.stats().roundTimeouts();
        long id = api.createGame(2, 3);
        String a = api.join(id, "ann");
        String b = api.join(id, "bob");
        // round 1 resolved by moves: the game's timer must follow the round to round 2's deadline
        assertThat(api.post("/api/games/" + id + "/moves", "{\"move\":\"rock\"}", a)
                        .status())
                .isEqualTo(202);
        assertThat(api.post("/api/games/" + id + "/moves", "{\"move\":\"rock\"}", b)
                        .body()
                        .at("/result/nextRound")
                        .asInt())
                .isEqualTo(2);
        // rounds 2 and 3: nobody moves, each times out (the timer re-arms after every timeout)
        awaitFinished(id);
        assertThat(server.stats().roundTimeouts() - timeoutsBefore).isGreaterThanOrEqualTo(2);
        ApiClient.Reply game = api.get("/api/games/" + id);
        assertThat(game.body().at("/players/0/score").asInt()).isZero();
        assertThat(game.body().at("/players/1/score").asInt()).isZero();
    }

    @Test
    void theListFiltersByStatusAndPages() {
        long w1 = api.createGame(4, 1);
        long w2 = api.createGame(4, 1);
        ApiClient.Reply page = api.get("/api/games?status=waiting&page=0&size=1");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body().get("games")).hasSize(1);
        assertThat(page.body().get("hasMore").asBoolean()).isTrue();
        assertThat(page.body().at("/games/0/id").asLong()).isEqualTo(w2);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            ApiClient.Reply all = api.get("/api/games?status=waiting&size=100");
            assertThat(all.body().findValuesAsText("status")).containsOnly("waiting");
            assertThat(all.body().get("games").findValues("id").stream().map(n -> n.asLong()))
                    .contains(w1, w2);
        });
    }

    @Test
    void aNewGameAppearsInTheCachedListAtOnce() {
        api.get("/api/games?status=waiting&size=100"); // fills the cache
        long id = api.createGame(3, 1);
        ApiClient.Reply all = api.get("/api/games?status=waiting&size=100");
        assertThat(all.body().get("games").findValues("id").stream().map(n -> n.asLong()))
                .contains(id);
    }

    @Test
    void creationBeyondTheAddressesBucketIsAnswered429WithRetryAfter() {
        try (GameServer limited = GameServer.start(
                "create-limit",
                ServerConfig.parse(
                        new String[] {"--port", "0", "--create-rate", "1", "--create-burst", "2"}, Map.of()))) {
            ApiClient c = new ApiClient(limited.baseUrl());
            assertThat(c.post("/api/games", "{}").status()).isEqualTo(201);
            assertThat(c.post("/api/games", "{}").status()).isEqualTo(201);
            ApiClient.Reply refused = c.post("/api/games", "{}");
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.error()).isEqualTo("rate_limited");
            assertThat(refused.body().path("detail").asText()).contains("1 per second in bursts of up to 2");
            assertThat(refused.raw().headers().firstValue("Retry-After")).hasValue("1");
            // joining and reading are not creations: still served
            assertThat(c.get("/api/games").status()).isEqualTo(200);
        }
    }

    @Test
    void gzipIsUsedWhenTheClientAcceptsIt() {
        for (int i = 0; i < 5; i++) {
            api.createGame(2, 1);
        }
        ApiClient.Reply r = api.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/games?size=50"))
                .header("Accept-Encoding", "gzip")
                .GET());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.raw().headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(r.body().get("games").size()).isGreaterThanOrEqualTo(5);
        ApiClient.Reply plain = api.get("/api/games?size=50");
        assertThat(plain.raw().headers().firstValue("Content-Encoding")).isEmpty();
    }

    @Test
    void aCachedListPageIsAnsweredOnTheEventLoopAndAMissOnAThread() {
        try (GameServer s = GameServer.start(
                        "list-inline-test",
                        ServerConfig.parse(
                                new String[] {"--port", "0", "--ws-port", "0", "--cache-ttl", "1m"}, Map.of()));
                ApiClient c = new ApiClient(s.baseUrl())) {
            long first = c.createGame(2, 1);
            for (int i = 0; i < 3; i++) {
                c.createGame(2, 1); // a page over HttpApi.GZIP_MIN bytes, which gzip applies to
            }
            String path = "/api/games?status=waiting&size=50";
            long before = Objects.requireNonNull(s.httpTaskStats()).submitted();
            ApiClient.Reply miss = c.get(path);
            assertThat(miss.status()).isEqualTo(200);
            assertThat(miss.raw().body().length).isGreaterThanOrEqualTo(HttpApi.GZIP_MIN);
            assertThat(Objects.requireNonNull(s.httpTaskStats()).submitted())
                    .as("a miss reads the database on a thread")
                    .isEqualTo(before + 1);
            for (int i = 0; i < 10; i++) {
                ApiClient.Reply hit = c.get(path);
                assertThat(hit.status()).isEqualTo(200);
                assertThat(hit.raw().body()).isEqualTo(miss.raw().body());
            }
            assertThat(Objects.requireNonNull(s.httpTaskStats()).submitted())
                    .as("ten hits, none handed to a thread")
                    .isEqualTo(before + 1);

            // gzip: the first hit compresses on a thread, later ones take the compressed form from memory
            HttpRequest.Builder gz = HttpRequest.newBuilder(URI.create(s.baseUrl() + path))
                    .header("Accept-Encoding", "gzip")
                    .GET();
            for (int i = 0; i < 5; i++) {
                ApiClient.Reply r = c.send(gz);
                assertThat(r.raw().headers().firstValue("Content-Encoding")).hasValue("gzip");
                assertThat(r.body()).isEqualTo(miss.body());
            }
            assertThat(Objects.requireNonNull(s.httpTaskStats()).submitted()).isEqualTo(before + 2);

            // a new game empties the cache: the next list is read again, on a thread, and shows it
            long second = c.createGame(2, 1);
            long beforeRead = Objects.requireNonNull(s.httpTaskStats()).submitted();
            ApiClient.Reply after = c.get(path);
            assertThat(Objects.requireNonNull(s.httpTaskStats()).submitted()).isEqualTo(beforeRead + 1);
            assertThat(after.body().get("games").findValuesAsText("id"))
                    .contains(String.valueOf(first), String.valueOf(second));

            // a bad parameter is refused on the event loop, as the thread would refuse it
            long beforeBad = Objects.requireNonNull(s.httpTaskStats()).submitted();
            ApiClient.Reply bad = c.get("/api/games?status=sleeping");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.error()).isEqualTo("bad_status");
            assertThat(Objects.requireNonNull(s.httpTaskStats()).submitted()).isEqualTo(beforeBad);
        }
    }

    @Test
    void aSharedBodyIsGzippedOnceAndAnyOtherEveryTime() throws Exception {
        byte[] page = "{\"games\":[]} ".repeat(100).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        HttpApi.Response shared = new HttpApi.Response(200, "application/json", page, Map.of(), true);
        byte[] first = HttpApi.gzipped(shared, true).body();
        assertThat(HttpApi.gzipped(shared, true).body())
                .as("the cached page's gzipped form")
                .isSameAs(first);
        assertThat(new String(
                        new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(first)).readAllBytes(),
                        java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(new String(page, java.nio.charset.StandardCharsets.UTF_8));
        HttpApi.Response own = new HttpApi.Response(200, "application/json", page, Map.of());
        assertThat(HttpApi.gzipped(own, true).body())
                .isNotSameAs(HttpApi.gzipped(own, true).body());
        assertThat(HttpApi.gzipped(shared, false))
                .as("a client that does not accept gzip")
                .isSameAs(shared);
    }

    @Test
    void badRequestsAreAnsweredWithJsonErrors() {
        expect(api.post("/api/games", "{not json"), 400, "bad_json");
        expect(api.post("/api/games", "[1]"), 400, "bad_json");
        expect(api.post("/api/games", "{\"maxPlayers\":9}"), 400, "bad_field");
        expect(api.post("/api/games", "{\"maxPlayers\":\"two\"}"), 400, "bad_field");
        expect(api.post("/api/games", "{\"colour\":1}"), 400, "unknown_field");
        expect(
                api.post("/api/games", "{\"rounds\":1," + "\"x\":\"" + "a".repeat(20_000) + "\"}"),
                413,
                "body_too_large");
        expect(api.get("/api/games?size=0"), 400, "bad_paging");
        expect(api.get("/api/games?size=101"), 400, "bad_paging");
        expect(api.get("/api/games?page=-1"), 400, "bad_paging");
        expect(api.get("/api/games?page=x"), 400, "bad_paging");
        expect(api.get("/api/games?status=lost"), 400, "bad_status");
        expect(api.get("/api/games/abc"), 400, "bad_game_id");
        expect(api.get("/api/games/987654321"), 404, "unknown_game");
        expect(api.post("/api/games/987654321/join", "{}"), 404, "unknown_game");
        expect(api.get("/nowhere"), 404, "unknown_route");
        ApiClient.Reply put = api.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/games"))
                .PUT(HttpRequest.BodyPublishers.noBody()));
        expect(put, 405, "method_not_allowed");
        assertThat(put.raw().headers().firstValue("Allow")).hasValue("GET, POST");
        // /metrics is served on the admin listener only
        expect(api.get("/metrics"), 404, "unknown_route");
        expect(new ApiClient(server.adminUrl()).post("/metrics", "{}"), 405, "method_not_allowed");
    }

    @Test
    void joinsAndMovesOutOfTurnAreRefused() {
        long id = api.createGame(2, 3);
        String a = api.join(id, "ann");
        expect(api.post("/api/games/" + id + "/moves", "{\"move\":\"rock\"}", a), 409, "game_not_running");
        api.join(id, "bob");
        expect(api.post("/api/games/" + id + "/join", "{\"name\":\"cat\"}"), 409, "game_full");
        expect(api.post("/api/games/" + id + "/join", "{\"name\":\"\"}"), 400, "bad_field");
        expect(api.post("/api/games/" + id + "/moves", "{\"move\":\"dynamite\"}", a), 400, "bad_move");
        expect(api.post("/api/games/" + id + "/moves", "{}", a), 400, "bad_field");
        assertThat(api.post("/api/games/" + id + "/moves", "{\"move\":\"rock\"}", a)
                        .status())
                .isEqualTo(202);
        expect(api.post("/api/games/" + id + "/moves", "{\"move\":\"rock\"}", a), 409, "already_moved");
    }

    @Test
    void movesNeedAValidTokenForThatGame() {
        long id = api.createGame(2, 3);
        String a = api.join(id, "ann");
        api.join(id, "bob");
        long other = api.createGame(2, 3);
        String foreign = api.join(other, "cat");
        String[] p = a.split("\\.");
        String forged = p[0] + "." + (Long.parseLong(p[1]) + 1) + "." + p[2] + "." + p[3];

        expect(api.post("/api/games/" + id + "/moves", "{\"move\":\"rock\"}"), 401, "missing_token");
        expect(api.post("/api/games/" + id + "/moves", "{\"move\":\"rock\"}", forged), 401, "invalid_token");
        expect(api.post("/api/games/" + id + "/moves", "{\"move\":\"rock\"}", "nonsense"), 401, "invalid_token");
        expect(api.post("/api/games/" + id + "/moves", "{\"move\":\"rock\"}", foreign), 403, "token_for_other_game");
        expect(api.post("/api/games/" + id + "/leave", "", foreign), 403, "token_for_other_game");
    }

    @Test
    void aPlayerWhoLeavesARunningGameHandsTheWinToTheOther() {
        long id = api.createGame(2, 5);
        String a = api.join(id, "ann");
        String b = api.join(id, "bob");
        assertThat(api.post("/api/games/" + id + "/leave", "", b).status()).isEqualTo(200);
        ApiClient.Reply game = api.get("/api/games/" + id);
        assertThat(game.body().get("status").asText()).isEqualTo("finished");
        expect(api.post("/api/games/" + id + "/moves", "{\"move\":\"rock\"}", a), 409, "game_finished");
    }

    private static void expect(ApiClient.Reply r, int status, String error) {
        assertThat(r.status()).as(r.body().toString()).isEqualTo(status);
        assertThat(r.error()).isEqualTo(error);
        assertThat(r.body().get("detail").asText()).isNotBlank();
    }
}
