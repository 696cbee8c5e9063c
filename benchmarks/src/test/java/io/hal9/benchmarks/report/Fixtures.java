package io.hal9.benchmarks.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/** Test inputs: the committed JMH fixture, and small JMH-format result files built on the fly. */
final class Fixtures {
    private Fixtures() {}

    /** The committed fixture, shaped like JMH 1.37's {@code -rf json} output (see the report tests). */
    static String sample() {
        try (InputStream in =
                Objects.requireNonNull(Fixtures.class.getResourceAsStream("jmh-sample.json"), "jmh-sample.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies the fixture to {@code dir/name} and returns its path. */
    static Path sampleFile(Path dir, String name) {
        return write(dir.resolve(name), sample());
    }

    static Path write(Path file, String text) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, text);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One result in JMH's JSON shape with one fork of raw data; {@code param} is {@code "impl=hal9"} or
     * empty.
     */
    static String result(String benchmark, String mode, String param, String unit, double... raw) {
        List<String> values = new ArrayList<>();
        double sum = 0;
        for (double v : raw) {
            values.add(json(v));
            sum += v;
        }
        String params = param.isEmpty()
                ? ""
                : String.format(
                        "\"params\" : { \"%s\" : \"%s\" },",
                        param.substring(0, param.indexOf('=')), param.substring(param.indexOf('=') + 1));
        return String.format(
                Locale.ROOT, """
                {
                    "jmhVersion" : "1.37",
                    "benchmark" : "%s",
                    "mode" : "%s",
                    "threads" : 1,
                    "forks" : 1,
                    "jvmArgs" : [ "-Xms2g" ],
                    %s
                    "primaryMetric" : {
                        "score" : %s,
                        "scoreError" : "NaN",
                        "scoreConfidence" : [ "NaN", "NaN" ],
                        "scoreUnit" : "%s",
                        "rawData" : [ [ %s ] ]
                    },
                    "secondaryMetrics" : { }
                }""", benchmark, mode, params, sum / raw.length, unit, String.join(", ", values));
    }

    /** A number as JMH writes it: finite ones as numbers, NaN and infinities as strings. */
    static String json(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%s", v) : "\"" + v + "\"";
    }

    static String array(String... results) {
        return "[\n" + String.join(",\n", results) + "\n]\n";
    }
}
