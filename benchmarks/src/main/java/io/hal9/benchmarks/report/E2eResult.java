package io.hal9.benchmarks.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The end-to-end run of the reference server's load generator, as it writes it to {@code
 * benchmarks/results/e2e.json}: the seed's performance table, each target beside what was measured. The
 * report renders it as the page's end-to-end table, rows in the file's order. This Javadoc is the
 * format's documentation (the load generator writes it, the report reads it); an example:
 *
 * <pre>{@code
 * {
 *   "machine": "AMD EPYC 7B13, 2 cores, 7.8 GiB",
 *   "jdk": "Eclipse Adoptium 25.0.3",
 *   "date": "2026-11-27T02:10:00Z",
 *   "command": "./mvnw -q -pl examples -Pload ...",
 *   "notes": "load generator and PostgreSQL on the same machine",
 *   "rows": [
 *     {"metric": "concurrent_games", "seedTarget": "1,000", "hal9Target": "5,000",
 *      "measured": 5000, "unit": "games", "met": true},
 *     {"metric": "latency_p99", "seedTarget": "<= 50 ms", "hal9Target": "<= 10 ms",
 *      "measured": 7.8, "unit": "ms", "met": true}
 *   ]
 * }
 * }</pre>
 *
 * <p>Unknown fields are ignored, so the load generator may add its own. Thread safety: immutable.
 *
 * @param machine CPU model, cores and memory of the machine the run used
 * @param jdk the server's JDK, vendor and version
 * @param date when the run ended, ISO-8601 UTC
 * @param command the command that reproduces the run ({@code ""} when unknown)
 * @param notes anything the reader must know (co-located load generator, settings), {@code ""} if none
 * @param rows one row per metric, in the order to show them
 */
public record E2eResult(String machine, String jdk, String date, String command, String notes, List<Row> rows) {
    /**
     * The metric ids of the seed's table, in its order; other ids are allowed and shown as given. The
     * {@code latency_*} rows count each move from when it was sent; since issue 16 the load generator
     * also writes {@code latency_corrected_p50}, {@code _p95} and {@code _p99}, counted from when each
     * move was due under the target schedule (corrected for coordinated omission), and a {@code
     * latencyMs} object with both histograms' count, p50, p90, p95, p99, p99_9 and max.
     */
    public static final List<String> SEED_METRICS = List.of(
            "concurrent_games",
            "actions_per_second_persisted",
            "memory_per_game",
            "websocket_connections",
            "latency_p50",
            "latency_p95",
            "latency_p99",
            "http_error_rate");

    public E2eResult {
        Objects.requireNonNull(machine, "e2e: machine is missing");
        Objects.requireNonNull(jdk, "e2e: jdk is missing");
        Objects.requireNonNull(date, "e2e: date is missing");
        command = command == null ? "" : command;
        notes = notes == null ? "" : notes;
        rows = List.copyOf(Objects.requireNonNull(rows, "e2e: rows are missing"));
    }

    /**
     * One metric of the table.
     *
     * @param metric the metric's id, one of {@link #SEED_METRICS} (or another, shown as given)
     * @param seedTarget the seed's target as text, e.g. {@code "<= 50 ms"}; {@code ""} when the seed has none
     * @param hal9Target HAL9's own target as text, e.g. {@code "<= 10 ms"}; {@code ""} when none
     * @param measured the measured value, in {@code unit}
     * @param unit the unit of {@code measured}: {@code games}, {@code actions/s}, {@code KB}, {@code
     *     connections}, {@code ms}, {@code %}
     * @param met whether the measured value meets HAL9's target (the seed's, when HAL9 has none)
     */
    public record Row(String metric, String seedTarget, String hal9Target, double measured, String unit, boolean met) {
        public Row {
            Objects.requireNonNull(metric, "e2e row: metric is missing");
            Objects.requireNonNull(unit, "e2e row '" + metric + "': unit is missing");
            seedTarget = seedTarget == null ? "" : seedTarget;
            hal9Target = hal9Target == null ? "" : hal9Target;
        }

        /** A readable name for the metric id: {@code latency_p99} is "p99 action→broadcast latency". */
        public String label() {
            return switch (metric) {
                case "concurrent_games" -> "concurrent games";
                case "actions_per_second_persisted" -> "actions/s persisted";
                case "memory_per_game" -> "memory per game";
                case "websocket_connections" -> "WebSocket connections";
                case "latency_p50" -> "p50 action→broadcast latency";
                case "latency_p95" -> "p95 action→broadcast latency";
                case "latency_p99" -> "p99 action→broadcast latency";
                case "latency_corrected_p50" -> "p50 action→broadcast latency from when due (CO-corrected)";
                case "latency_corrected_p95" -> "p95 action→broadcast latency from when due (CO-corrected)";
                case "latency_corrected_p99" -> "p99 action→broadcast latency from when due (CO-corrected)";
                case "http_error_rate" -> "HTTP error rate";
                case "http_p50" -> "p50 HTTP GET /api/games";
                case "http_p99" -> "p99 HTTP GET /api/games";
                default -> metric;
            };
        }
    }

    private static final ObjectMapper MAPPER =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** Reads an {@code e2e.json}; fails with the file's name and what is wrong. */
    public static E2eResult read(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Parses the JSON text of an {@code e2e.json}. */
    public static E2eResult parse(String json) {
        try {
            return MAPPER.readValue(json, E2eResult.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not an e2e result: " + e.getOriginalMessage(), e);
        }
    }
}
