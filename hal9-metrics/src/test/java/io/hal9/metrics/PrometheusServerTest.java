package io.hal9.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus scrapes a JDK HttpServer that serves real HTTP traffic through {@link HttpMetrics}
 * and the scrape handler; the seed's five PromQL queries and every query of the Grafana dashboard are
 * then evaluated through Prometheus's HTTP API.
 *
 * <p>The seed's queries use {@code [5m]} windows as written: {@code rate()} needs two samples in the
 * window, which a 1 s scrape interval gives within seconds, so the test waits (Awaitility) until each
 * query has a result rather than shortening the windows.
 */
@Timeout(120)
class PrometheusServerTest {
    @TempDir
    Path dir;

    @Test
    void theSeedsFiveQueriesAnswerPlausiblyFromARealPrometheus() throws Exception {
        Path binary = PrometheusBinaries.require("prometheus");
        try (Hal9Fixture f = new Hal9Fixture()) {
            f.games.set(7);
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            PrometheusScrape.mount(server, "/metrics", f.registry);
            server.createContext("/api/games", exchange -> game(exchange, f));
            server.start();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger answered = new AtomicInteger();
            AtomicReference<Throwable> trafficFailure = new AtomicReference<>();
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            Thread traffic = Thread.ofVirtual().start(() -> {
                try (HttpClient client = HttpClient.newHttpClient()) {
                    List<HttpRequest> requests = List.of(
                            HttpRequest.newBuilder(URI.create(base + "/api/games"))
                                    .build(),
                            HttpRequest.newBuilder(URI.create(base + "/api/games/42"))
                                    .build(),
                            HttpRequest.newBuilder(URI.create(base + "/api/games/42/moves"))
                                    .POST(HttpRequest.BodyPublishers.ofString("e2e4"))
                                    .build(),
                            HttpRequest.newBuilder(URI.create(base + "/api/games/crash"))
                                    .build());
                    while (!stop.get()) {
                        for (HttpRequest r : requests) {
                            client.send(r, HttpResponse.BodyHandlers.discarding());
                            answered.incrementAndGet();
                        }
                        f.traffic(5);
                        // pacing the load (about 50 rounds a second on a shared machine), not synchronisation:
                        // nothing waits for this thread, the assertions wait on Prometheus's answers
                        java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
                    }
                } catch (IOException | RuntimeException e) {
                    trafficFailure.set(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            try (PrometheusServer prometheus = PrometheusServer.start(
                    binary, dir, "127.0.0.1:" + server.getAddress().getPort(), "/metrics")) {
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(200))
                        .failFast("prometheus exited", () -> !prometheus.isAlive())
                        .until(prometheus::ready);
                awaitResult(prometheus, "up{job=\"hal9\"}", r -> anyAbove(r, 0.5));

                // 1. Request rate
                JsonNode rate = awaitResult(prometheus, "rate(http_requests_total[5m])", r -> anyAbove(r, 0));
                assertThat(labels(rate, "uri"))
                        .contains("/api/games", "/api/games/{id}", "/api/games/{id}/moves")
                        .doesNotContain("/api/games/42");

                // 2. Error rate: only 5xx series, and they are above zero
                JsonNode errors =
                        awaitResult(prometheus, "rate(http_requests_total{status=~\"5..\"}[5m])", r -> anyAbove(r, 0));
                assertThat(labels(errors, "status")).isNotEmpty().allMatch(s -> s.startsWith("5"));
                assertThat(labels(errors, "uri")).containsExactly("/api/games/{id}");

                // 3. P99 latency, within the histogram's bucket bounds (1 ms to 10 s)
                JsonNode p99 = awaitResult(
                        prometheus,
                        "histogram_quantile(0.99, rate(http_request_duration_seconds_bucket[5m]))",
                        r -> !finiteValues(r).isEmpty());
                assertThat(finiteValues(p99)).allMatch(v -> v > 0 && v <= 10.0);

                // 4. Active games, as set
                assertThat(single(prometheus, "hal9_active_games")).isEqualTo(7.0);

                // 5. Memory from the OS: a JVM's resident set is more than 10 MB
                assertThat(single(prometheus, "process_resident_memory_bytes")).isGreaterThan(10.0 * 1024 * 1024);

                // and actions/s from the batcher
                awaitResult(prometheus, "rate(hal9_batcher_actions_written_total[5m])", r -> anyAbove(r, 0));

                // every query of the Grafana dashboard parses and evaluates (400 bad_data would be a parse error)
                List<String> failures = new ArrayList<>();
                for (Dashboard.Query q : Dashboard.queries(Dashboard.load())) {
                    PrometheusServer.Answer a = prometheus.query(q.promql());
                    if (a.status() != 200
                            || !"success".equals(a.body().path("status").asText())) {
                        failures.add(q.where() + ": " + q.promql() + " -> " + a.status() + " " + a.body());
                    }
                }
                assertThat(failures).as("dashboard queries Prometheus refused").isEmpty();
                assertThat(trafficFailure.get()).isNull();
                assertThat(answered.get()).isPositive();
            } finally {
                stop.set(true);
                traffic.join(Duration.ofSeconds(10));
                server.stop(0);
            }
        }
    }

    /** /api/games, /api/games/{id}, POST /api/games/{id}/moves; the game "crash" answers 503. */
    private static void game(HttpExchange exchange, Hal9Fixture f) throws IOException {
        long start = System.nanoTime();
        try (exchange) {
            String[] parts = exchange.getRequestURI().getPath().split("/");
            String route;
            int status;
            if (parts.length == 3) {
                route = "/api/games";
                status = 200;
            } else if (parts.length == 4) {
                route = "/api/games/{id}";
                status = parts[3].equals("crash") ? 503 : 200;
            } else {
                route = "/api/games/{id}/moves";
                exchange.getRequestBody().readAllBytes();
                status = f.batcher.trySubmit(parts[3].hashCode()).isAccepted() ? 201 : 429;
            }
            exchange.sendResponseHeaders(status, -1);
            f.http.record(exchange.getRequestMethod(), route, status, System.nanoTime() - start);
        }
    }

    private static JsonNode awaitResult(
            PrometheusServer prometheus, String promql, java.util.function.Predicate<JsonNode> plausible) {
        AtomicReference<JsonNode> last = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(45))
                .pollInterval(Duration.ofMillis(500))
                .alias(promql)
                .until(() -> {
                    PrometheusServer.Answer a = prometheus.query(promql);
                    assertThat(a.status()).as("%s -> %s", promql, a.body()).isEqualTo(200);
                    last.set(a.result());
                    return a.result().size() > 0 && plausible.test(a.result());
                });
        return last.get();
    }

    private static double single(PrometheusServer prometheus, String promql) throws Exception {
        JsonNode r = prometheus.query(promql).result();
        assertThat(r.size()).as("%s has one series: %s", promql, r).isEqualTo(1);
        return r.get(0).path("value").get(1).asDouble();
    }

    private static boolean anyAbove(JsonNode result, double min) {
        return finiteValues(result).stream().anyMatch(v -> v > min);
    }

    private static List<Double> finiteValues(JsonNode result) {
        List<Double> out = new ArrayList<>();
        for (JsonNode series : result) {
            double v = Double.parseDouble(series.path("value").get(1).asText());
            if (Double.isFinite(v)) {
                out.add(v);
            }
        }
        return out;
    }

    private static List<String> labels(JsonNode result, String label) {
        List<String> out = new ArrayList<>();
        for (JsonNode series : result) {
            JsonNode v = series.path("metric").path(label);
            if (!v.isMissingNode() && !out.contains(v.asText())) {
                out.add(v.asText());
            }
        }
        return out;
    }
}
