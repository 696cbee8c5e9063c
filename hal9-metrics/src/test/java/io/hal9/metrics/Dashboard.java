package io.hal9.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The Grafana dashboard of the repository ({@code docs/grafana/hal9.json}) and its queries. */
public final class Dashboard {
    /** Where the dashboard is, from the module's directory (Maven runs tests there). */
    public static final Path FILE = Path.of("..", "docs", "grafana", "hal9.json");

    private static final Pattern LABEL_VALUES = Pattern.compile("^label_values\\((.*),\\s*[a-zA-Z_]+\\)$");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{?[A-Za-z_][A-Za-z0-9_]*\\}?");

    private Dashboard() {}

    /** The parsed dashboard. */
    public static JsonNode load() throws IOException {
        return new ObjectMapper().readTree(Files.readString(FILE));
    }

    /** A query of the dashboard: where it is and its PromQL, as written. */
    public record Query(String where, String expr) {
        /** The PromQL with Grafana's variables replaced, ready for Prometheus. */
        public String promql() {
            return substitute(expr);
        }
    }

    /** Every PromQL query: panel targets, and the selectors inside template variables' label_values(). */
    public static List<Query> queries(JsonNode dashboard) {
        List<Query> out = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            collect(panel, out);
            for (JsonNode inner : panel.path("panels")) {
                collect(inner, out);
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (!"query".equals(variable.path("type").asText())) {
                continue;
            }
            String q = variable.path("query").isObject()
                    ? variable.path("query").path("query").asText()
                    : variable.path("query").asText();
            Matcher m = LABEL_VALUES.matcher(q.trim());
            out.add(new Query("variable " + variable.path("name").asText(), m.matches() ? m.group(1) : q));
        }
        return out;
    }

    private static void collect(JsonNode panel, List<Query> out) {
        for (JsonNode target : panel.path("targets")) {
            out.add(new Query(
                    "panel '" + panel.path("title").asText() + "' "
                            + target.path("refId").asText(),
                    target.path("expr").asText()));
        }
    }

    /**
     * Replaces Grafana's variables the way Grafana would for one refresh: {@code $__rate_interval} by
     * {@code 1m}, {@code $__interval} by {@code 15s}, {@code $__range} by {@code 30m}, and the
     * dashboard's own variables ({@code $job}, {@code $instance}: "All") by {@code .*}.
     */
    public static String substitute(String expr) {
        String s = expr.replace("$__rate_interval", "1m")
                .replace("${__rate_interval}", "1m")
                .replace("$__interval", "15s")
                .replace("$__range", "30m");
        return VARIABLE.matcher(s).replaceAll(".*");
    }
}
