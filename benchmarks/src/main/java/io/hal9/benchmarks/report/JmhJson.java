package io.hal9.benchmarks.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads the JSON that JMH writes with {@code -rf json} (an array of results, each with {@code benchmark},
 * {@code mode}, {@code params}, {@code primaryMetric} with {@code rawData} or, in sample mode, {@code
 * rawDataHistogram}, and {@code secondaryMetrics}). JMH writes NaN and infinities as strings.
 *
 * <p>Thread safety: stateless.
 */
final class JmhJson {
    static final String ALLOC_NORM = "gc.alloc.rate.norm";

    /** The names JMH gives sample mode's percentiles among the secondary metrics. */
    private static final Pattern PERCENTILE = Pattern.compile("p[01]\\.\\d+");

    /** The percentiles the report shows, and their labels. */
    static final Map<String, String> PERCENTILES_KEPT = Map.of("p0.99", "p99", "p0.999", "p99.9");
    /** Also accepts bare NaN / Infinity, in case a tool other than JMH wrote the file. */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private JmhJson() {}

    /** Reads a JMH JSON file; fails with the file's name when it cannot be read or is not JMH's format. */
    static List<BenchResult> read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read JMH results " + file + ": " + e.getMessage(), e);
        }
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Parses JMH JSON text. */
    static List<BenchResult> parse(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isArray()) {
            throw new IllegalArgumentException("not JMH results: expected a JSON array of benchmark results");
        }
        List<BenchResult> results = new ArrayList<>();
        for (JsonNode n : root) {
            results.add(result(n));
        }
        return results;
    }

    private static BenchResult result(JsonNode n) {
        String benchmark = text(n, "benchmark");
        JsonNode primary = n.path("primaryMetric");
        if (!primary.isObject()) {
            throw new IllegalArgumentException(benchmark + ": no primaryMetric");
        }
        Map<String, String> params = new LinkedHashMap<>();
        n.path("params")
                .properties()
                .forEach(e -> params.put(e.getKey(), e.getValue().asText()));
        double score = number(primary.path("score"));
        double[] median = median(primary);
        JsonNode alloc = n.path("secondaryMetrics").path(ALLOC_NORM);
        double allocPerOp = Double.NaN;
        if (alloc.isObject()) {
            double[] m = median(alloc);
            allocPerOp = m.length == 0 ? number(alloc.path("score")) : m[0];
        }
        Map<String, Double> counters = new LinkedHashMap<>();
        n.path("secondaryMetrics").properties().forEach(e -> {
            String name = e.getKey();
            if (name.startsWith("gc.") || !e.getValue().isObject()) {
                return; // the profiler's figures: alloc/op is read above
            }
            if (PERCENTILE.matcher(name).matches()) {
                // sample mode: JMH adds p0.00 ... p1.00; the median is a column already, keep the tail
                String label = PERCENTILES_KEPT.get(name);
                if (label != null) {
                    counters.put(label, number(e.getValue().path("score")));
                }
                return;
            }
            double[] m = median(e.getValue());
            counters.put(name, m.length == 0 ? number(e.getValue().path("score")) : m[0]);
        });
        List<String> jvmArgs = new ArrayList<>();
        n.path("jvmArgs").forEach(a -> jvmArgs.add(a.asText()));
        String jdk = (n.path("jdkVersion").asText("") + " " + n.path("vmName").asText("") + " "
                        + n.path("vmVersion").asText(""))
                .trim();
        return new BenchResult(
                benchmark,
                text(n, "mode"),
                n.path("threads").asInt(1),
                n.path("forks").asInt(0),
                params,
                score,
                number(primary.path("scoreError")),
                primary.path("scoreUnit").asText(""),
                median.length == 0 ? score : median[0],
                median.length != 0,
                median.length == 0 ? 0 : (int) median[1],
                allocPerOp,
                jvmArgs,
                jdk,
                counters);
    }

    /**
     * The median of a metric's raw data and the number of values it is taken over, or an empty array when
     * the metric has none. {@code rawData} is [fork][iteration]; {@code rawDataHistogram} is
     * [fork][iteration][[value, count]...].
     */
    static double[] median(JsonNode metric) {
        JsonNode raw = metric.path("rawData");
        if (raw.isArray() && !raw.isEmpty()) {
            List<Double> values = new ArrayList<>();
            raw.forEach(fork -> fork.forEach(v -> values.add(number(v))));
            if (values.isEmpty()) {
                return new double[0];
            }
            double[] sorted =
                    values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            int n = sorted.length;
            double m = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
            return new double[] {m, n};
        }
        JsonNode histogram = metric.path("rawDataHistogram");
        if (histogram.isArray() && !histogram.isEmpty()) {
            List<double[]> pairs = new ArrayList<>();
            histogram.forEach(fork -> fork.forEach(iteration ->
                    iteration.forEach(pair -> pairs.add(new double[] {number(pair.path(0)), number(pair.path(1))}))));
            double total = pairs.stream().mapToDouble(p -> p[1]).sum();
            if (total <= 0) {
                return new double[0];
            }
            double[][] sorted = pairs.toArray(new double[0][]);
            Arrays.sort(sorted, (a, b) -> Double.compare(a[0], b[0]));
            double m = (valueAt(sorted, (total - 1) / 2) + valueAt(sorted, total / 2)) / 2;
            return new double[] {m, total};
        }
        return new double[0];
    }

    /** The value at 0-based rank {@code floor(rank)} of a sorted histogram. */
    private static double valueAt(double[][] sorted, double rank) {
        long target = (long) Math.floor(rank);
        long seen = 0;
        for (double[] p : sorted) {
            seen += (long) p[1];
            if (target < seen) {
                return p[0];
            }
        }
        return sorted[sorted.length - 1][0];
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("a result has no '" + field + "': " + abbreviate(n));
        }
        return v.asText();
    }

    /** JMH writes finite numbers as numbers and NaN / Infinity as strings. */
    static double number(JsonNode v) {
        if (v.isNumber()) {
            return v.asDouble();
        }
        if (v.isTextual()) {
            try {
                return Double.parseDouble(v.asText());
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    private static String abbreviate(JsonNode n) {
        String s = n.toString();
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }
}
