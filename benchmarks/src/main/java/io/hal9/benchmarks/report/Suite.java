package io.hal9.benchmarks.report;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs the benchmark suite in a {@link Profile} and publishes it, or compares two runs.
 *
 * <pre>
 * Suite quick|full|smoke [jmh-regex] [--out results.json] [--docs dir] [--command text] [--dry-run]
 * Suite compare old.json new.json [--threshold 10]
 * </pre>
 *
 * <p>A run lists the benchmarks the regex selects (all by default), prints the plan and its estimated
 * time, then runs each benchmark method through JMH's {@link Runner} in its own forks with {@link #JVM_FLAGS}
 * (in place of the benchmarks' own heap flags, so every suite runs with the same; their other appended
 * flags are kept) and {@code -prof gc},
 * rewriting the JMH JSON after every method so that an interrupted run keeps what it measured. It then
 * writes the run's description beside the JSON ({@code X.machine.json}) and the page ({@link Report}).
 * Exit status: 0; 1 when a benchmark produced no result (the page is written anyway); 2 for bad arguments.
 * {@code compare} exits 1 when a benchmark regressed (see {@link Compare}).
 *
 * <p>Thread safety: a command line tool; one run per process.
 */
public final class Suite {
    /** The flags of every forked JVM: a fixed, pre-touched heap (allocation is far slower without). */
    public static final List<String> JVM_FLAGS = List.of("-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch");

    /** The quick profile's budget on a 2-core machine. */
    static final double QUICK_BUDGET_SECONDS = 15 * 60;

    private Suite() {}

    public static void main(String[] args) {
        System.exit(run(Arrays.asList(args), System.out, System.err));
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("-h")) {
            (args.isEmpty() ? err : out).println(usage());
            return args.isEmpty() ? Compare.USAGE : 0;
        }
        if (args.get(0).equals("compare")) {
            return Compare.run(args.subList(1, args.size()), out, err);
        }
        Profile profile;
        try {
            profile = Profile.of(args.get(0));
        } catch (IllegalArgumentException e) {
            err.println("Suite: " + e.getMessage());
            err.println(usage());
            return Compare.USAGE;
        }
        String regex = ".*";
        Path outFile = null;
        Path docs = Path.of("docs");
        String command = null;
        boolean dryRun = false;
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--out", "--docs", "--command" -> {
                    if (i + 1 >= args.size()) {
                        err.println("Suite: " + a + " needs a value");
                        return Compare.USAGE;
                    }
                    String v = args.get(++i);
                    switch (a) {
                        case "--out" -> outFile = Path.of(v);
                        case "--docs" -> docs = Path.of(v);
                        default -> command = v;
                    }
                }
                case "--dry-run" -> dryRun = true;
                default -> {
                    if (a.startsWith("--")) {
                        err.println("Suite: unknown option '" + a + "'");
                        return Compare.USAGE;
                    }
                    regex = a;
                }
            }
        }
        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        if (outFile == null) {
            String stamp = DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmm", Locale.ROOT)
                    .withZone(ZoneOffset.UTC)
                    .format(start);
            outFile = Path.of(
                    "benchmarks", "results", stamp + "-" + profile.name().toLowerCase(Locale.ROOT) + ".json");
        }
        if (command == null) {
            command =
                    "java -cp benchmarks/target/benchmarks.jar " + Suite.class.getName() + " " + String.join(" ", args);
        }
        List<BenchmarkListEntry> entries;
        try {
            entries = select(regex);
        } catch (PatternSyntaxException e) {
            err.println("Suite: '" + regex + "' is not a regular expression: " + e.getDescription());
            return Compare.USAGE;
        }
        if (entries.isEmpty()) {
            err.println("Suite: no benchmark matches '" + regex + "'");
            return Compare.USAGE;
        }
        List<Profile.MethodRun> plan = profile.plan(entries);
        printPlan(profile, regex, plan, out);
        if (dryRun) {
            return 0;
        }
        return execute(profile, plan, outFile, docs, command, start, out, err);
    }

    static String usage() {
        return String.join(
                "\n",
                "usage: Suite quick|full|smoke [jmh-regex] [--out results.json] [--docs dir] [--command text] [--dry-run]",
                "       Suite compare old.json new.json [--threshold percent]  (default 10)");
    }

    /** The benchmarks of the class path's JMH list whose name the regex finds, in JMH's order. */
    static List<BenchmarkListEntry> select(String regex) {
        Pattern.compile(regex); // fails early with the regex's own message
        return new ArrayList<>(BenchmarkList.defaultList()
                .find(
                        OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT),
                        List.of(regex),
                        List.of()));
    }

    /** Total estimated seconds of a plan. */
    static double seconds(List<Profile.MethodRun> plan) {
        return plan.stream().mapToDouble(Profile.MethodRun::seconds).sum();
    }

    static void printPlan(Profile profile, String regex, List<Profile.MethodRun> plan, PrintStream out) {
        out.println("Suite: profile " + profile.description());
        out.println(
                "Suite: benchmarks matching '" + regex + "', JVM flags " + String.join(" ", JVM_FLAGS) + ", -prof gc");
        int width = plan.stream().mapToInt(r -> r.method().length()).max().orElse(20);
        int combinations = 0;
        for (Profile.MethodRun r : plan) {
            combinations += r.combinations();
            out.printf(
                    Locale.ROOT,
                    "  %-" + width + "s  %3d run(s) x %d fork(s)  ~%4.0f s  %s%n",
                    r.method(),
                    r.combinations(),
                    r.forks(),
                    r.seconds(),
                    r.params().isEmpty() ? "" : r.params().toString());
        }
        double total = seconds(plan);
        out.printf(
                Locale.ROOT,
                "Suite: %d benchmark methods, %d parameter/mode combinations, estimated %.1f min"
                        + " (%.0f s per fork for JVM start and setup, %.0f s per single-shot iteration)%n",
                plan.size(),
                combinations,
                total / 60,
                Profile.FORK_OVERHEAD_SECONDS,
                Profile.SINGLE_SHOT_SECONDS);
        if (profile == Profile.QUICK && total > QUICK_BUDGET_SECONDS) {
            out.printf(
                    Locale.ROOT,
                    "Suite: WARNING the quick profile's estimate exceeds its %.0f-minute budget;"
                            + " declare fewer values first or narrow the regex%n",
                    QUICK_BUDGET_SECONDS / 60);
        }
    }

    private static int execute(
            Profile profile,
            List<Profile.MethodRun> plan,
            Path outFile,
            Path docs,
            String command,
            Instant start,
            PrintStream out,
            PrintStream err) {
        try {
            Path parent = outFile.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + outFile.getParent() + ": " + e.getMessage(), e);
        }
        RunInfo info = RunInfo.probe(start.toString(), profile.description(), command, JVM_FLAGS);
        info.write(RunInfo.besides(outFile));
        List<RunResult> all = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (Profile.MethodRun r : plan) {
            ChainedOptionsBuilder options = new OptionsBuilder()
                    .include("^" + Pattern.quote(r.method()) + "$")
                    .jvmArgsAppend(r.jvmArgsAppend().toArray(String[]::new))
                    .addProfiler(GCProfiler.class)
                    .forks(r.forks())
                    .shouldFailOnError(false);
            if (r.warmupIterations() >= 0 && r.warmupTime() != null && r.measurementTime() != null) {
                options.warmupIterations(r.warmupIterations())
                        .warmupTime(r.warmupTime())
                        .measurementIterations(r.measurementIterations())
                        .measurementTime(r.measurementTime());
            }
            r.params().forEach((name, values) -> options.param(name, values.toArray(String[]::new)));
            Collection<RunResult> results;
            try {
                results = new Runner(options.build()).run();
            } catch (RunnerException | RuntimeException e) {
                err.println("Suite: " + r.method() + " failed: " + e.getMessage());
                failed.add(r.method());
                continue;
            }
            if (results.size() < r.combinations()) {
                failed.add(r.method() + " (" + results.size() + " of " + r.combinations() + " results)");
            }
            all.addAll(results);
            ResultFormatFactory.getInstance(ResultFormatType.JSON, outFile.toString())
                    .writeOut(all);
        }
        if (all.isEmpty()) {
            err.println("Suite: no benchmark produced a result; nothing to report");
            return 1;
        }
        if (!failed.isEmpty()) {
            info.withFailed(failed).write(RunInfo.besides(outFile));
        }
        Path page = Report.generate(outFile, docs, outFile.resolveSibling("e2e.json"));
        out.println("Suite: results " + outFile + ", run description " + RunInfo.besides(outFile) + ", page " + page);
        if (!failed.isEmpty()) {
            err.println("Suite: these benchmarks failed or are incomplete (see JMH's output above): " + failed);
            return 1;
        }
        return 0;
    }
}
