package io.hal9.metrics;

import static io.hal9.metrics.Scrapes.require;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class HttpMetricsTest {
    private final PrometheusMeterRegistry registry = Scrapes.registry();

    @Test
    void requestsAreCountedByMethodRouteTemplateAndStatusUnderTheSeedsNames() {
        HttpMetrics http = HttpMetrics.builder(registry).build();
        http.record("GET", "/api/games", 200, Duration.ofMillis(3));
        http.record("get", "/api/games", 200, Duration.ofMillis(30));
        http.record("POST", "/api/games/{id}/moves", 503, Duration.ofMillis(700));

        String scrape = registry.scrape();
        assertThat(require(scrape, "http_requests_total", "method", "GET", "uri", "/api/games", "status", "200"))
                .isEqualTo(2.0);
        assertThat(require(
                        scrape,
                        "http_requests_total",
                        "method",
                        "POST",
                        "uri",
                        "/api/games/{id}/moves",
                        "status",
                        "503"))
                .isEqualTo(1.0);
        assertThat(require(scrape, "http_request_duration_seconds_count", "method", "GET", "uri", "/api/games"))
                .isEqualTo(2.0);
        assertThat(require(scrape, "http_request_duration_seconds_sum", "method", "GET", "uri", "/api/games"))
                .isCloseTo(0.033, org.assertj.core.data.Offset.offset(1e-9));
        // cumulative buckets: 3 ms is above 2.5 ms, 30 ms above 25 ms
        assertThat(require(scrape, "http_request_duration_seconds_bucket", "uri", "/api/games", "le", "0.0025"))
                .isEqualTo(0.0);
        assertThat(require(scrape, "http_request_duration_seconds_bucket", "uri", "/api/games", "le", "0.005"))
                .isEqualTo(1.0);
        assertThat(require(scrape, "http_request_duration_seconds_bucket", "uri", "/api/games", "le", "0.05"))
                .isEqualTo(2.0);
        assertThat(require(scrape, "http_request_duration_seconds_bucket", "uri", "/api/games", "le", "+Inf"))
                .isEqualTo(2.0);
    }

    @Test
    void defaultBucketsRunFromOneMillisecondToTenSeconds() {
        HttpMetrics.builder(registry).build().record("GET", "/", 200, 1_000_000L);
        List<String> les = Scrapes.find(registry.scrape(), "http_request_duration_seconds_bucket").stream()
                .map(s -> s.labels().get("le"))
                .collect(Collectors.toList());
        assertThat(les)
                .containsExactly(
                        "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0",
                        "10.0", "+Inf");
    }

    @Test
    void routesBeyondMaxRoutesAreRecordedAsOther() {
        HttpMetrics http = HttpMetrics.builder(registry).maxRoutes(2).build();
        http.record("GET", "/a", 200, 1);
        http.record("GET", "/b", 200, 1);
        http.record("GET", "/api/games/42", 200, 1); // a raw path slipping through
        http.record("GET", "/api/games/43", 200, 1);
        http.record("GET", "/a", 200, 1);

        String scrape = registry.scrape();
        assertThat(http.routes()).isEqualTo(2);
        assertThat(require(scrape, "http_requests_total", "uri", "/a")).isEqualTo(2.0);
        assertThat(require(scrape, "http_requests_total", "uri", HttpMetrics.OTHER))
                .isEqualTo(2.0);
        assertThat(Scrapes.find(scrape, "http_requests_total", "uri", "/api/games/42"))
                .isEmpty();
    }

    @Test
    void unknownMethodsAndStatusesDoNotCreateNewSeries() {
        HttpMetrics http = HttpMetrics.builder(registry).build();
        http.record("BREW", "/pot", 418, 1);
        http.record("PROPFIND", "/pot", 418, 1);
        http.record("GET", "/pot", 999, 1);

        String scrape = registry.scrape();
        assertThat(require(scrape, "http_requests_total", "method", "OTHER", "status", "418"))
                .isEqualTo(2.0);
        assertThat(require(scrape, "http_requests_total", "method", "GET", "status", "UNKNOWN"))
                .isEqualTo(1.0);
    }

    @Test
    void userTagsAreAddedToBothMeters() {
        HttpMetrics http =
                HttpMetrics.builder(registry).tags(Tags.of("server", "lobby")).build();
        http.record("GET", "/", 200, 1);
        String scrape = registry.scrape();
        assertThat(require(scrape, "http_requests_total", "server", "lobby")).isEqualTo(1.0);
        assertThat(require(scrape, "http_request_duration_seconds_count", "server", "lobby"))
                .isEqualTo(1.0);
    }

    @Test
    void builderRefusesBadOptionsAtOnceNamingThem() {
        assertThatThrownBy(() -> HttpMetrics.builder(registry).maxRoutes(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("http metrics: maxRoutes must be")
                .hasMessageContaining("was 0");
        assertThatThrownBy(() -> HttpMetrics.builder(registry).maxRoutes(5).maxRoutes(6))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("maxRoutes");
        assertThatThrownBy(() -> HttpMetrics.builder(registry).serviceLevelObjectives())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("serviceLevelObjectives must have 1 to 50 bounds, was 0");
    }

    @Test
    void customBucketsAreSorted() {
        HttpMetrics.builder(registry)
                .serviceLevelObjectives(Duration.ofSeconds(1), Duration.ofMillis(100))
                .build()
                .record("GET", "/", 200, Duration.ofMillis(50));
        List<String> les = Scrapes.find(registry.scrape(), "http_request_duration_seconds_bucket").stream()
                .map(s -> s.labels().get("le"))
                .collect(Collectors.toList());
        assertThat(les).containsExactly("0.1", "1.0", "+Inf");
    }
}
