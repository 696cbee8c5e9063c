package io.hal9.benchmarks.report;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Compares two JMH result files: matches benchmarks by name, mode and parameters, and lists every one
 * that got slower by more than a threshold. "Slower" is measured in time per operation whatever the mode:
 * in throughput mode {@code old / new - 1}, in the time modes {@code new / old - 1}; so a threshold of 10%
 * flags a throughput that fell below 1/1.1 of the old one, or a time that grew by more than 10%. Medians
 * of the raw data are compared (JMH's score where a file has none). Benchmarks in one file only, or whose
 * unit changed, are listed and never fail the comparison.
 *
 * <p>Thread safety: stateless.
 */
final class Compare {
    /** Exit status when no benchmark regressed. */
    static final int OK = 0;

    /** Exit status when at least one benchmark regressed. */
    static final int REGRESSED = 1;

    /** Exit status for bad arguments or unreadable files. */
    static final int USAGE = 2;

    private Compare() {}

    /** One matched benchmark: its slowdown in time per operation, as a fraction ({@code 0.12} = 12%). */
    record Change(String key, BenchResult before, BenchResult after, double slowdown) {}

    /** The outcome of a comparison. */
    record Outcome(
            List<Change> regressed,
            List<Change> improved,
            List<Change> unchanged,
            List<String> onlyOld,
            List<String> onlyNew,
            List<String> incomparable) {
        int exitCode() {
            return regressed.isEmpty() ? OK : REGRESSED;
        }
    }

    /** {@code compare <old.json> <new.json> [--threshold <percent>]}: prints the table, returns the exit status. */
    static int run(List<String> args, PrintStream out, PrintStream err) {
        List<String> files = new ArrayList<>();
        double threshold = 10;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--threshold")) {
                if (i + 1 >= args.size()) {
                    err.println("compare: --threshold needs a value in percent, e.g. --threshold 10");
                    return USAGE;
                }
                try {
                    threshold = Double.parseDouble(args.get(++i).replace("%", ""));
                } catch (NumberFormatException e) {
                    err.println("compare: --threshold must be a number of percent, was '" + args.get(i) + "'");
                    return USAGE;
                }
                if (!(threshold >= 0) || Double.isInfinite(threshold)) {
                    err.println("compare: --threshold must be >= 0, was " + args.get(i));
                    return USAGE;
                }
            } else if (a.startsWith("--")) {
                err.println("compare: unknown option '" + a + "'");
                return USAGE;
            } else {
                files.add(a);
            }
        }
        if (files.size() != 2) {
            err.println("usage: compare <old.json> <new.json> [--threshold <percent, default 10>]");
            return USAGE;
        }
        Outcome outcome;
        try {
            outcome =
                    compare(JmhJson.read(Path.of(files.get(0))), JmhJson.read(Path.of(files.get(1))), threshold / 100);
        } catch (RuntimeException e) {
            err.println("compare: " + e.getMessage());
            return USAGE;
        }
        print(outcome, files.get(0), files.get(1), threshold, out);
        return outcome.exitCode();
    }

    static Outcome compare(List<BenchResult> before, List<BenchResult> after, double threshold) {
        Map<String, BenchResult> old = index(before);
        Map<String, BenchResult> now = index(after);
        List<Change> regressed = new ArrayList<>();
        List<Change> improved = new ArrayList<>();
        List<Change> unchanged = new ArrayList<>();
        List<String> onlyOld = new ArrayList<>();
        List<String> onlyNew = new ArrayList<>();
        List<String> incomparable = new ArrayList<>();
        old.forEach((key, b) -> {
            BenchResult a = now.get(key);
            if (a == null) {
                onlyOld.add(key);
                return;
            }
            if (!a.unit().equals(b.unit()) || !(a.median() > 0) || !(b.median() > 0)) {
                incomparable.add(key + " (" + Fmt.num(b.median()) + " " + b.unit() + " -> " + Fmt.num(a.median()) + " "
                        + a.unit() + ")");
                return;
            }
            double slowdown = b.higherIsBetter() ? b.median() / a.median() - 1 : a.median() / b.median() - 1;
            Change c = new Change(key, b, a, slowdown);
            if (slowdown > threshold) {
                regressed.add(c);
            } else if (slowdown < -threshold) {
                improved.add(c);
            } else {
                unchanged.add(c);
            }
        });
        now.keySet().stream().filter(k -> !old.containsKey(k)).forEach(onlyNew::add);
        return new Outcome(regressed, improved, unchanged, onlyOld, onlyNew, incomparable);
    }

    private static Map<String, BenchResult> index(List<BenchResult> results) {
        Map<String, BenchResult> m = new LinkedHashMap<>();
        results.forEach(r -> m.put(r.key(), r));
        return m;
    }

    static void print(Outcome o, String oldName, String newName, double thresholdPercent, PrintStream out) {
        out.printf(
                Locale.ROOT,
                "compare: %s -> %s, threshold %s%% slower (time per operation, medians)%n",
                oldName,
                newName,
                Fmt.num(thresholdPercent));
        table(out, "REGRESSED (slower by more than the threshold)", o.regressed());
        table(out, "improved (faster by more than the threshold)", o.improved());
        out.printf(Locale.ROOT, "within the threshold: %d%n", o.unchanged().size());
        list(out, "only in " + oldName + " (not compared)", o.onlyOld());
        list(out, "only in " + newName + " (not compared)", o.onlyNew());
        list(out, "not comparable (unit changed or no positive score)", o.incomparable());
        out.println(
                o.regressed().isEmpty()
                        ? "compare: no regression"
                        : "compare: " + o.regressed().size() + " regression(s)");
    }

    private static void table(PrintStream out, String title, List<Change> changes) {
        out.printf(Locale.ROOT, "%s: %d%n", title, changes.size());
        if (changes.isEmpty()) {
            return;
        }
        int width = changes.stream().mapToInt(c -> c.key().length()).max().orElse(10);
        out.printf(
                Locale.ROOT,
                "  %-" + width + "s  %14s  %14s  %-10s  %9s%n",
                "benchmark",
                "old",
                "new",
                "unit",
                "slower");
        for (Change c : changes) {
            out.printf(
                    Locale.ROOT,
                    "  %-" + width + "s  %14s  %14s  %-10s  %9s%n",
                    c.key(),
                    Fmt.num(c.before().median()),
                    Fmt.num(c.after().median()),
                    c.after().unit(),
                    Fmt.percent(c.slowdown()));
        }
    }

    private static void list(PrintStream out, String title, List<String> keys) {
        if (keys.isEmpty()) {
            return;
        }
        out.printf(Locale.ROOT, "%s: %d%n", title, keys.size());
        keys.forEach(k -> out.println("  " + k));
    }
}
