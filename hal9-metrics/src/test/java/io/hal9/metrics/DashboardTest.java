package io.hal9.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class DashboardTest {
    @TempDir
    Path dir;

    @Test
    void theDashboardIsValidGrafanaJsonWithTheSeedsPanelsAndARowPerModule() throws IOException {
        JsonNode d = Dashboard.load();
        assertThat(d.path("title").asText()).isEqualTo("HAL9");
        assertThat(d.path("uid").asText()).isNotBlank();
        assertThat(d.path("schemaVersion").asInt()).isPositive();

        List<String> rows = new ArrayList<>();
        Set<Integer> ids = new HashSet<>();
        for (JsonNode p : d.path("panels")) {
            assertThat(ids.add(p.path("id").asInt()))
                    .as("unique panel id %s", p.path("id"))
                    .isTrue();
            JsonNode grid = p.path("gridPos");
            assertThat(grid.path("x").asInt() + grid.path("w").asInt())
                    .as("panel '%s' fits the 24-column grid", p.path("title").asText())
                    .isLessThanOrEqualTo(24);
            if ("row".equals(p.path("type").asText())) {
                rows.add(p.path("title").asText());
                continue;
            }
            assertThat(p.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
            assertThat(p.path("targets"))
                    .as("panel '%s' has queries", p.path("title"))
                    .isNotEmpty();
            Set<String> refIds = new HashSet<>();
            for (JsonNode t : p.path("targets")) {
                assertThat(refIds.add(t.path("refId").asText())).isTrue();
                assertThat(t.path("expr").asText()).isNotBlank();
            }
        }
        assertThat(rows).anyMatch(r -> r.startsWith("Seed"));
        for (String module : List.of("hal9-core", "hal9-pool", "hal9-cache", "hal9-ws")) {
            assertThat(rows).as("a row for %s", module).anyMatch(r -> r.startsWith(module));
        }

        String all = String.join(
                "\n", Dashboard.queries(d).stream().map(Dashboard.Query::expr).toList());
        for (String metric : List.of(
                "http_requests_total",
                "status=~\"5..\"",
                "http_request_duration_seconds_bucket",
                "hal9_active_games",
                "process_resident_memory_bytes",
                "process_cpu_usage",
                "system_cpu_usage",
                "jvm_memory_used_bytes",
                "hal9_batcher_actions_written_total")) {
            assertThat(all).as("the dashboard queries %s", metric).contains(metric);
        }
        for (String quantile :
                List.of("histogram_quantile(0.5,", "histogram_quantile(0.95,", "histogram_quantile(0.99,")) {
            assertThat(all).contains(quantile);
        }
        // a JDBC pool is reported once, by HikariCP's own meters (JdbcPoolMetrics): the dashboard reads those
        assertThat(all).contains("hikaricp_connections_active").doesNotContain("hal9_jdbc_pool_");
    }

    @Test
    void everyQueryOfTheDashboardParsesAfterGrafanasVariablesAreSubstituted() throws Exception {
        List<Dashboard.Query> queries = Dashboard.queries(Dashboard.load());
        assertThat(queries).hasSizeGreaterThan(20);
        for (Dashboard.Query q : queries) {
            assertThat(q.promql()).as(q.where()).doesNotContain("$");
        }
        Path promtool = PrometheusBinaries.require("promtool");
        CheckResult ok = checkRules(promtool, queries);
        assertThat(ok.exitCode())
                .as("promtool check rules said:\n%s", ok.output())
                .isZero();
    }

    @Test
    void theParseCheckRejectsABrokenQuery() throws Exception {
        Path promtool = PrometheusBinaries.require("promtool");
        CheckResult broken = checkRules(
                promtool, List.of(new Dashboard.Query("broken", "sum by (name (rate(hal9_cache_gets_total[1m]))")));
        assertThat(broken.exitCode()).isNotZero();
        assertThat(broken.output()).contains("parse error");
    }

    record CheckResult(int exitCode, String output) {}

    /** Parses every query with promtool, as the expressions of recording rules. */
    private CheckResult checkRules(Path promtool, List<Dashboard.Query> queries) throws Exception {
        ObjectMapper json = new ObjectMapper();
        StringBuilder yaml = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        for (int i = 0; i < queries.size(); i++) {
            // a JSON string is a YAML double-quoted scalar
            yaml.append("      - record: dashboard:query_")
                    .append(i)
                    .append("\n        expr: ")
                    .append(json.writeValueAsString(queries.get(i).promql()))
                    .append('\n');
        }
        Path rules = dir.resolve("dashboard-rules.yml");
        Files.writeString(rules, yaml, StandardCharsets.UTF_8);
        Process p = new ProcessBuilder(promtool.toString(), "check", "rules", rules.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new CheckResult(p.exitValue(), out);
    }
}
