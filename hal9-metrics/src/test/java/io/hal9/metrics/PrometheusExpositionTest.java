package io.hal9.metrics;

import static io.hal9.metrics.Scrapes.require;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class PrometheusExpositionTest {

    @Test
    void theSeedsSeriesExistWithTheLabelsItsQueriesUse() throws Exception {
        try (Hal9Fixture f = new Hal9Fixture()) {
            f.http.record("GET", "/api/games", 200, Duration.ofMillis(4));
            f.http.record("GET", "/api/games", 503, Duration.ofMillis(40));
            f.games.set(12);
            String scrape = f.registry.scrape();

            assertThat(require(scrape, "http_requests_total", "method", "GET", "uri", "/api/games", "status", "503"))
                    .isEqualTo(1.0);
            assertThat(Scrapes.find(scrape, "http_request_duration_seconds_bucket"))
                    .isNotEmpty();
            assertThat(scrape).contains("# TYPE http_request_duration_seconds histogram");
            assertThat(scrape).contains("# TYPE http_requests_total counter");
            assertThat(require(scrape, "hal9_active_games")).isEqualTo(12.0);
            assertThat(require(scrape, "process_resident_memory_bytes")).isGreaterThan(10.0 * 1024 * 1024);
        }
    }

    @Test
    void halNinesNamesDoNotCollideWithMicrometersJvmAndProcessBinders() throws Exception {
        Set<String> standardNames;
        try (StandardMetrics standard = StandardMetrics.create()) {
            PrometheusMeterRegistry alone = Scrapes.registry();
            standard.bindTo(alone);
            standardNames = alone.getMeters().stream()
                    .map(m -> m.getId().getName())
                    .filter(n -> !n.startsWith("process.resident") && !n.startsWith("process.virtual"))
                    .collect(Collectors.toSet());
        }
        // every binder in one registry that throws on any registration failure: no clash of names or tag keys
        try (Hal9Fixture f = new Hal9Fixture()) {
            f.traffic(3);
            f.http.record("GET", "/", 200, 1);
            Set<String> hal9 = new HashSet<>();
            for (Meter m : f.registry.getMeters()) {
                String n = m.getId().getName();
                if (n.startsWith("hal9.") || n.startsWith("http.") || n.startsWith("process.resident")) {
                    hal9.add(n);
                }
            }
            assertThat(hal9).isNotEmpty().doesNotContainAnyElementsOf(standardNames);
            assertThat(standardNames).contains("process.cpu.usage", "system.cpu.usage", "jvm.memory.used");
            // and every HAL9 meter reaches the scrape under its own name (no reserved suffix stripped)
            String scrape = f.registry.scrape();
            for (String n : hal9) {
                String prom = n.replace('.', '_');
                assertThat(scrape).as(n).contains("\n" + prom);
            }
        }
    }

    @Test
    void promtoolAcceptsTheScrape() throws Exception {
        try (Hal9Fixture f = new Hal9Fixture()) {
            f.traffic(20);
            f.http.record("POST", "/api/games/{id}/moves", 201, Duration.ofMillis(2));
            f.http.record("GET", "/api/games", 500, Duration.ofMillis(900));
            f.games.set(3);
            PrometheusBinaries.Check check = PrometheusBinaries.checkMetrics(f.registry.scrape());
            assertThat(check.exitCode())
                    .as("promtool check metrics said:\n%s", check.output())
                    .isZero();
        }
    }

    @Test
    void theScrapeHandlerNegotiatesOpenMetricsAndServesTheJdkServerInOneLine() throws Exception {
        PrometheusMeterRegistry registry = Scrapes.registry();
        ActiveGames.create().bindTo(registry);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        PrometheusScrape.mount(server, "/metrics", registry);
        server.start();
        try (HttpClient client = HttpClient.newHttpClient()) {
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/metrics");
            HttpResponse<String> text =
                    client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(text.statusCode()).isEqualTo(200);
            assertThat(text.headers().firstValue("Content-Type")).hasValue(PrometheusScrape.TEXT_004);
            assertThat(text.body()).contains("hal9_active_games 0.0");

            HttpResponse<String> open = client.send(
                    HttpRequest.newBuilder(uri)
                            .header(
                                    "Accept",
                                    "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(open.headers().firstValue("Content-Type")).hasValue(PrometheusScrape.OPENMETRICS_100);
            assertThat(open.body()).contains("hal9_active_games").endsWith("# EOF\n");

            HttpResponse<String> post = client.send(
                    HttpRequest.newBuilder(uri)
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void scrapeWritesToAnyOutputStreamAndNamesTheFormat() {
        PrometheusMeterRegistry registry = Scrapes.registry();
        ActiveGames games = ActiveGames.create();
        games.bindTo(registry);
        games.increment();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(PrometheusScrape.of(registry).writeTo(null, out)).isEqualTo(PrometheusScrape.TEXT_004);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("hal9_active_games 1.0");
        PrometheusScrape.Response r = PrometheusScrape.of(registry).scrape("application/openmetrics-text");
        assertThat(r.contentType()).isEqualTo(PrometheusScrape.OPENMETRICS_100);
    }

    private static String readAll(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
