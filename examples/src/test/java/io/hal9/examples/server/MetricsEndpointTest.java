package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code GET /metrics} after real traffic on a fresh server per test with embedded defaults (H2, local cache): the seed's
 * metrics with route templates, the active games, the process memory and every composed component's
 * series, in a scrape that {@code promtool check metrics} accepts.
 */
@Timeout(60)
class MetricsEndpointTest {
    private GameServer server;
    private ApiClient api;
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() {
        server = GameServer.start(
                "metrics-test",
                ServerConfig.parse(new String[] {"--port", "0", "--ws-port", "0", "--round-timeout", "10s"}, Map.of()));
        api = new ApiClient(server.baseUrl());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> scrape(@Nullable String accept) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.adminUrl() + "/metrics"))
                .timeout(Duration.ofSeconds(20))
                .GET();
        if (accept != null) {
            b.header("Accept", accept);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void trafficShowsUpUnderRouteTemplatesWithTheLiveGamesAndEveryComponent() throws Exception {
        // one finished game, one running game, one waiting game; an error and an unknown path
        long done = api.createGame(2, 1);
        String a = api.join(done, "ann");
        String b = api.join(done, "bob");
        assertThat(api.post("/api/games/" + done + "/moves", "{\"move\":\"rock\"}", a)
                        .status())
                .isEqualTo(202);
        assertThat(api.post("/api/games/" + done + "/moves", "{\"move\":\"paper\"}", b)
                        .body()
                        .at("/result/status")
                        .asText())
                .isEqualTo("finished");
        long running = api.createGame(2, 3);
        String c = api.join(running, "cat");
        api.join(running, "dan");
        assertThat(api.post("/api/games/" + running + "/moves", "{\"move\":\"spock\"}", c)
                        .status())
                .isEqualTo(202);
        api.createGame(2, 3);
        assertThat(api.get("/api/games/" + done).status()).isEqualTo(200);
        assertThat(api.get("/api/games/987654321").status()).isEqualTo(404);
        assertThat(api.get("/nowhere/42").status()).isEqualTo(404);
        assertThat(api.get("/api/games?size=100").status()).isEqualTo(200);
        assertThat(api.get("/health/ready").status()).isEqualTo(200);

        HttpResponse<String> r = scrape(null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
        String body = r.body();

        assertThat(Scrapes.sample(body, "http_requests_total{method=\"GET\",status=\"200\",uri=\"/api/games/{id}\"}"))
                .isEqualTo(1.0);
        assertThat(Scrapes.sample(body, "http_requests_total{method=\"GET\",status=\"404\",uri=\"/api/games/{id}\"}"))
                .isEqualTo(1.0);
        assertThat(Scrapes.sample(
                        body, "http_requests_total{method=\"POST\",status=\"202\",uri=\"/api/games/{id}/moves\"}"))
                .isEqualTo(3.0);
        assertThat(Scrapes.sample(
                        body, "http_requests_total{method=\"POST\",status=\"200\",uri=\"/api/games/{id}/join\"}"))
                .isEqualTo(4.0);
        assertThat(Scrapes.sample(body, "http_requests_total{method=\"POST\",status=\"201\",uri=\"/api/games\"}"))
                .isEqualTo(3.0);
        assertThat(Scrapes.sample(body, "http_requests_total{method=\"GET\",status=\"404\",uri=\"/**\"}"))
                .isEqualTo(1.0);
        assertThat(Scrapes.sample(body, "http_requests_total{method=\"GET\",status=\"200\",uri=\"/health/ready\"}"))
                .isEqualTo(1.0);
        assertThat(body)
                .as("raw ids never become a uri tag")
                .doesNotContain("uri=\"/api/games/" + done)
                .doesNotContain("uri=\"/nowhere");
        assertThat(body)
                .contains("http_request_duration_seconds_bucket{method=\"POST\",status=\"202\","
                        + "uri=\"/api/games/{id}/moves\",le=");
        assertThat(Scrapes.sample(body, "hal9_active_games"))
                .isEqualTo(2.0)
                .isEqualTo(server.stats().liveGames());
        assertThat(Scrapes.sample(body, "process_resident_memory_bytes")).isPositive();
        assertThat(Scrapes.sample(body, "hal9_dependency_up{dependency=\"database\",name=\"metrics-test\"}"))
                .isEqualTo(1.0);
        assertThat(Scrapes.sample(body, "hal9_ready{name=\"metrics-test\"}")).isEqualTo(1.0);
        assertThat(Scrapes.sample(
                        body, "hal9_batcher_submissions_total{name=\"metrics-test-actions\",result=\"accepted\"}"))
                .as("actions/s on the dashboard is the rate of this series")
                .isEqualTo(3.0);
        assertThat(body)
                .contains("hal9_batcher_actions_written_total{name=\"metrics-test-actions\"}")
                .contains("hal9_batcher_submissions_total{name=\"metrics-test-game-states\",result=\"accepted\"}")
                .contains("hal9_batcher_submissions_total{name=\"metrics-test-game-finals\",result=\"accepted\"}")
                .contains("hal9_limiter_tasks_total{name=\"metrics-test-tasks\",result=\"completed\"}")
                .contains("hal9_ws_connections{name=\"metrics-test-ws\"}")
                .contains("hal9_ws_messages_total{direction=\"in\",name=\"metrics-test-ws\"}")
                .contains("hikaricp_connections_active{pool=\"metrics-test-h2\"}")
                .contains("hal9_cache_gets_total{kind=\"local\",level=\"l1\",name=\"metrics-test-games-list\"")
                .contains("hal9_object_pool_claims_total{name=\"metrics-test-games\",result=\"hit\"}")
                .contains("jvm_memory_used_bytes");
    }

    @Test
    void theJdbcPoolIsReportedOnceAndTheRecordersAreWired() throws Exception {
        long id = api.createGame(2, 1);
        String a = api.join(id, "ann");
        String b = api.join(id, "bob");
        api.post("/api/games/" + id + "/moves", "{\"move\":\"rock\"}", a);
        api.post("/api/games/" + id + "/moves", "{\"move\":\"paper\"}", b);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.pendingActions() == 0);
        String body = scrape(null).body();

        List<String> poolSeries = body.lines()
                .filter(l -> !l.startsWith("#"))
                .filter(l -> l.contains("\"metrics-test-h2\""))
                .map(l -> l.substring(0, l.indexOf('{')))
                .distinct()
                .toList();
        assertThat(poolSeries)
                .as("the pool, once: HikariCP's meters, not hal9_jdbc_pool_* beside them")
                .isNotEmpty()
                .allMatch(n -> n.startsWith("hikaricp_"))
                .contains("hikaricp_connections_active", "hikaricp_connections_max", "hikaricp_connections");
        // the one-call binders wired the batchers' and the limiter's recorders
        assertThat(Scrapes.sample(body, "hal9_batcher_batch_size_count{name=\"metrics-test-actions\"}"))
                .isGreaterThanOrEqualTo(1.0);
        assertThat(body).contains("hal9_limiter_task_duration_seconds_count{name=\"metrics-test-tasks\"");
    }

    @Test
    void theErrorOfAWrongMethodIsRecordedUnderItsRoute() throws Exception {
        assertThat(api.post("/health", "{}").status()).isEqualTo(405);
        String body = scrape(null).body();
        assertThat(Scrapes.sample(body, "http_requests_total{method=\"POST\",status=\"405\",uri=\"/health\"}"))
                .isEqualTo(1.0);
    }

    @Test
    void gzipAnswersAreRecordedLikeAnyOther() throws Exception {
        for (int i = 0; i < 12; i++) {
            api.createGame(2, 3); // the list grows past the gzip threshold
        }
        HttpResponse<byte[]> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/games?status=waiting&size=50"))
                        .header("Accept-Encoding", "gzip")
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.headers().firstValue("Content-Encoding")).hasValue("gzip");
        // the server records a request after its answer is sent, so the client may scrape first
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(Scrapes.sample(
                                scrape(null).body(),
                                "http_requests_total{method=\"GET\",status=\"200\",uri=\"/api/games\"}"))
                        .isGreaterThanOrEqualTo(1.0));
    }

    @Test
    void prometheusAskingForOpenMetricsGetsIt() throws Exception {
        HttpResponse<String> r = scrape("application/openmetrics-text;version=1.0.0,text/plain;q=0.5");
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/openmetrics-text"));
        assertThat(r.body()).endsWith("# EOF\n");
    }

    @Test
    void promtoolAcceptsTheScrape() throws Exception {
        api.createGame(2, 1);
        Scrapes.assertPromtoolAccepts(scrape(null).body());
    }
}
