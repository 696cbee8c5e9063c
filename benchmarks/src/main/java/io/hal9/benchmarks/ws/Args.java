package io.hal9.benchmarks.ws;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name value} command-line flags of the benchmark mains. An unknown flag fails before anything
 * starts, so a typo never runs a benchmark with the wrong setting.
 *
 * <p>Thread safety: not thread-safe; used by the main thread only.
 */
final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> known = new HashSet<>();

    private Args() {}

    static Args parse(String[] args) {
        Args parsed = new Args();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (!name.startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value, got '" + name + "'");
            }
            parsed.values.put(name.substring(2), args[++i]);
        }
        return parsed;
    }

    String string(String name, String defaultValue) {
        known.add(name);
        return values.getOrDefault(name, defaultValue);
    }

    int integer(String name, int defaultValue) {
        String v = string(name, Integer.toString(defaultValue));
        try {
            return Integer.parseInt(v.replace("_", "").replace(",", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be an integer, was '" + v + "'", e);
        }
    }

    double decimal(String name, double defaultValue) {
        String v = string(name, Double.toString(defaultValue));
        try {
            return Double.parseDouble(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a number, was '" + v + "'", e);
        }
    }

    /** Seconds as a plain number ({@code 20}) or an ISO-8601 duration ({@code PT0.5S}). */
    Duration seconds(String name, Duration defaultValue) {
        String v = string(name, Double.toString(defaultValue.toMillis() / 1000.0));
        try {
            if (v.startsWith("P") || v.startsWith("p")) {
                return Duration.parse(v);
            }
            return Duration.ofMillis((long) (Double.parseDouble(v) * 1000));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--" + name + " must be seconds, was '" + v + "'", e);
        }
    }

    List<String> list(String name, String defaultValue) {
        List<String> out = new ArrayList<>();
        for (String part : string(name, defaultValue).split(",")) {
            if (!part.isBlank()) {
                out.add(part.trim());
            }
        }
        return out;
    }

    /** Fails on any flag that no accessor asked for. Call after reading every flag. */
    void rejectUnknown() {
        for (String name : values.keySet()) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown flag --" + name + "; known: " + known);
            }
        }
    }
}
