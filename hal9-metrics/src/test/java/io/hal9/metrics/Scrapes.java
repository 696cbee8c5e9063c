package io.hal9.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/** Reads series out of a Prometheus text scrape, for assertions. */
public final class Scrapes {
    private Scrapes() {}

    /** A Prometheus registry that throws on a registration failure (a tag-key clash) instead of dropping. */
    public static PrometheusMeterRegistry registry() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT).throwExceptionOnRegistrationFailure();
    }

    /** One sample: its metric name, labels and value. */
    public record Sample(String name, Map<String, String> labels, double value) {}

    /** Every sample of a text-format scrape. */
    public static List<Sample> parse(String scrape) {
        List<Sample> out = new ArrayList<>();
        for (String line : scrape.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name;
            Map<String, String> labels = new LinkedHashMap<>();
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                String body = line.substring(brace + 1, line.lastIndexOf('}'));
                int i = 0;
                while (i < body.length()) {
                    int eq = body.indexOf('=', i);
                    String key = body.substring(i, eq);
                    int start = eq + 2; // skip ="
                    StringBuilder value = new StringBuilder();
                    int j = start;
                    while (body.charAt(j) != '"') {
                        if (body.charAt(j) == '\\') {
                            j++;
                        }
                        value.append(body.charAt(j));
                        j++;
                    }
                    labels.put(key, value.toString());
                    i = j + 1;
                    if (i < body.length() && body.charAt(i) == ',') {
                        i++;
                    }
                }
            } else {
                name = line.substring(0, space);
            }
            String v = line.substring(space + 1).trim();
            double value = switch (v) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(v);
            };
            out.add(new Sample(name, labels, value));
        }
        return out;
    }

    /** The value of the one sample named {@code name} whose labels include {@code labels} (key, value, ...). */
    public static OptionalDouble value(String scrape, String name, String... labels) {
        List<Sample> found = find(scrape, name, labels);
        if (found.size() > 1) {
            throw new AssertionError("more than one sample " + name + " " + List.of(labels) + ": " + found);
        }
        return found.isEmpty()
                ? OptionalDouble.empty()
                : OptionalDouble.of(found.get(0).value());
    }

    /** The samples named {@code name} whose labels include {@code labels}. */
    public static List<Sample> find(String scrape, String name, String... labels) {
        List<Sample> found = new ArrayList<>();
        for (Sample s : parse(scrape)) {
            if (!s.name().equals(name)) {
                continue;
            }
            boolean all = true;
            for (int i = 0; i < labels.length; i += 2) {
                if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
                    all = false;
                    break;
                }
            }
            if (all) {
                found.add(s);
            }
        }
        return found;
    }

    /** The value of a sample that must exist. */
    public static double require(String scrape, String name, String... labels) {
        OptionalDouble v = value(scrape, name, labels);
        if (v.isEmpty()) {
            throw new AssertionError("no sample " + name + " " + List.of(labels) + " in:\n" + scrape);
        }
        return v.getAsDouble();
    }
}
