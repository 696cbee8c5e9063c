package io.hal9.benchmarks.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Generates {@code docs/performance.md} and its charts ({@code docs/perf/<race>.svg}) from a JMH JSON
 * file: the run (machine, JDK, JVM flags, profile, date, command), the end-to-end tables when {@code
 * e2e.json} (and {@code e2e-*.json}, other load-generator runs) are beside the results, then per race a table of HAL9 and its anchors (median, score ± error,
 * unit, allocation per operation, ratio to the anchor) and a chart. The same inputs give the same bytes:
 * nothing is read from the clock, and charts of races no longer present are removed.
 *
 * <p>Usage: {@code Report <results.json> [--docs <dir>] [--e2e <e2e.json>]}. The run's description is
 * read from {@code <results>.machine.json} (written by {@link Suite}); without it the page says that the
 * machine is the one the page was generated on.
 *
 * <p>Thread safety: stateless; one call writes one page.
 */
public final class Report {
    /** The WebSocket tables' names: {@code ws-<date>.md}, or {@code ws-<date>-<n>.md} for a day's n-th run. */
    private static final Pattern COMPARISON = Pattern.compile("compare-\\d{4}-\\d{2}-\\d{2}-[a-z0-9-]+\\.md");

    private static final Pattern WS_TABLES = Pattern.compile("ws-(\\d{4}-\\d{2}-\\d{2})(?:-(\\d{1,6}))?\\.md");

    private Report() {}

    /** Command line entry point; exits 1 with a message when the results cannot be read. */
    public static void main(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println("usage: Report <results.json> [--docs <dir>] [--e2e <e2e.json>]");
            System.exit(args.length == 0 ? 2 : 0);
        }
        Path results = Path.of(args[0]);
        Path docs = Path.of("docs");
        Path e2e = results.resolveSibling("e2e.json");
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--docs" -> docs = Path.of(value(args, ++i, "--docs"));
                case "--e2e" -> e2e = Path.of(value(args, ++i, "--e2e"));
                default -> {
                    System.err.println("Report: unknown argument '" + args[i] + "'");
                    System.exit(2);
                }
            }
        }
        try {
            Path page = generate(results, docs, e2e);
            System.out.println("Report: wrote " + page);
        } catch (RuntimeException e) {
            System.err.println("Report: " + e.getMessage());
            System.exit(1);
        }
    }

    static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            System.err.println("missing value after " + option);
            System.exit(2);
        }
        return args[i];
    }

    /** One end-to-end result file and what it holds. */
    record E2eRun(String fileName, E2eResult result) {
        /** "5,000 games × 2 players (`benchmarks/results/e2e.json`)", from its games and connections rows. */
        String title() {
            double games = measured("concurrent_games");
            double connections = measured("websocket_connections");
            String where = "(`benchmarks/results/" + fileName + "`)";
            if (games > 0 && connections > 0) {
                return Fmt.num(games) + " games × " + Fmt.num(Math.round(connections / games)) + " players " + where;
            }
            return "Run " + where;
        }

        private double measured(String metric) {
            return result.rows().stream()
                    .filter(r -> r.metric().equals(metric))
                    .mapToDouble(E2eResult.Row::measured)
                    .findFirst()
                    .orElse(0);
        }
    }

    /**
     * {@code e2e} when it exists, then the other runs beside it whose names extend its own ({@code
     * e2e-8players.json} beside {@code e2e.json}), in name order: the page shows each.
     */
    static List<E2eRun> e2eRuns(Path e2e) {
        List<E2eRun> runs = new ArrayList<>();
        if (Files.isRegularFile(e2e)) {
            runs.add(new E2eRun(e2e.getFileName().toString(), E2eResult.read(e2e)));
        }
        String name = e2e.getFileName().toString();
        String prefix = (name.endsWith(".json") ? name.substring(0, name.length() - 5) : name) + "-";
        Path dir = e2e.toAbsolutePath().getParent();
        if (dir != null && Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
                files.filter(f -> {
                            String n = f.getFileName().toString();
                            return n.startsWith(prefix) && n.endsWith(".json") && Files.isRegularFile(f);
                        })
                        .sorted()
                        .forEach(f -> runs.add(new E2eRun(f.getFileName().toString(), E2eResult.read(f))));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list the end-to-end runs in " + dir + ": " + e.getMessage(), e);
            }
        }
        return runs;
    }

    /**
     * Writes {@code performance.md} and {@code perf/*.svg} into {@code docs}; reads {@code e2e} when it
     * exists. Returns the page's path.
     */
    public static Path generate(Path results, Path docs, Path e2e) {
        List<BenchResult> list = JmhJson.read(results);
        Path machine = RunInfo.besides(results);
        RunInfo info = Files.isRegularFile(machine) ? RunInfo.read(machine) : null;
        List<E2eRun> e2eRuns = e2eRuns(e2e);
        List<Races.Group> groups = Races.of(list);
        Path perf = docs.resolve("perf");
        try {
            Files.createDirectories(perf);
            Set<String> written = new TreeSet<>();
            for (Races.Group g : groups) {
                String name = g.id() + ".svg";
                write(perf.resolve(name), SvgChart.render(g));
                written.add(name);
            }
            try (DirectoryStream<Path> old = Files.newDirectoryStream(perf, "*.svg")) {
                for (Path p : old) {
                    if (!written.contains(p.getFileName().toString())) {
                        Files.delete(p);
                    }
                }
            }
            Path pagePath = docs.resolve("performance.md");
            Path ws = newestWsTables(results.toAbsolutePath().getParent());
            String page = page(results.getFileName().toString(), list, groups, info, e2eRuns);
            if (ws != null) {
                page = withWsTables(page, ws.getFileName().toString(), Files.readString(ws));
            }
            for (Path c : comparisons(results.toAbsolutePath().getParent())) {
                page = withComparison(page, c.getFileName().toString(), Files.readString(c));
            }
            write(pagePath, page);
            return pagePath;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report into " + docs + ": " + e.getMessage(), e);
        }
    }

    /**
     * The newest {@code ws-*.md} in {@code dir} (the tables {@code WsBench} writes beside its JSON), or
     * null. Names carry the date, and a second run on the same day gets {@code -2}, {@code -3}...: so the
     * newest has the latest date, then the highest number ({@code ws-2026-11-27-2.md} after {@code
     * ws-2026-11-27.md}, which plain name order would put last).
     */
    static @Nullable Path newestWsTables(@Nullable Path dir) throws IOException {
        if (dir == null || !Files.isDirectory(dir)) {
            return null;
        }
        try (var files = Files.list(dir)) {
            return files.filter(
                            f -> WS_TABLES.matcher(f.getFileName().toString()).matches())
                    .max(Comparator.comparing((Path f) -> wsTablesKey(f, 1))
                            .thenComparing(f -> Integer.parseInt(wsTablesKey(f, 2))))
                    .orElse(null);
        }
    }

    /** Group 1 of a {@link #WS_TABLES} name (the date), or group 2 (the run of that day, "1" when absent). */
    private static String wsTablesKey(Path f, int group) {
        Matcher m = WS_TABLES.matcher(f.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a ws tables file: " + f);
        }
        String g = m.group(group);
        return g == null ? "1" : g;
    }

    /**
     * Inserts the WebSocket load tables (headings demoted two levels, under this section's own) after the end-to-end section: they
     * come from a load tool with server JVMs, not from the JMH run the rest of the page shows.
     */
    static String withWsTables(String page, String fileName, String tables) {
        StringBuilder ws = new StringBuilder("## WebSocket servers: hal9-ws against raw Netty\n\n");
        ws.append("From `benchmarks/results/")
                .append(fileName)
                .append("`, written by the WebSocket load tool (`benchmarks/run ws`: a server JVM per"
                        + " implementation and scenario, the load client in the driver JVM), not by the JMH run"
                        + " above.\n\n");
        for (String line : tables.strip().split("\n", -1)) {
            ws.append(line.startsWith("#") ? "##" + line : line).append('\n');
        }
        ws.append('\n');
        int at = page.indexOf("## At a glance");
        return at < 0 ? page + ws : page.substring(0, at) + ws + page.substring(at);
    }

    /**
     * The end-to-end comparisons in {@code dir}: {@code compare-<date>-<what>.md}, hand-written tables of runs
     * made one against the other (e.g. two builds of the reference server alternating on one machine), in name
     * order. Empty when there is none.
     */
    static List<Path> comparisons(@Nullable Path dir) throws IOException {
        if (dir == null || !Files.isDirectory(dir)) {
            return List.of();
        }
        try (var files = Files.list(dir)) {
            return files.filter(
                            f -> COMPARISON.matcher(f.getFileName().toString()).matches())
                    .sorted()
                    .toList();
        }
    }

    /**
     * Inserts a comparison (its headings demoted one level, under a section of its own) after the end-to-end
     * section, before the WebSocket tables and the JMH summary: like the end-to-end tables, it comes from the load
     * generator, not from the JMH run.
     */
    static String withComparison(String page, String fileName, String text) {
        StringBuilder c = new StringBuilder();
        String[] lines = text.strip().split("\n", -1);
        int first = 0;
        if (lines.length > 0 && lines[0].startsWith("# ")) {
            c.append("## ").append(lines[0].substring(2)).append("\n\n");
            first = 1;
        } else {
            c.append("## End to end: ").append(fileName).append("\n\n");
        }
        c.append("From `benchmarks/results/").append(fileName).append("`.\n");
        for (int i = first; i < lines.length; i++) {
            c.append(lines[i].startsWith("#") ? "#" + lines[i] : lines[i]).append('\n');
        }
        c.append('\n');
        int at = page.indexOf("## WebSocket servers");
        if (at < 0) {
            at = page.indexOf("## At a glance");
        }
        return at < 0 ? page + c : page.substring(0, at) + c + page.substring(at);
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text);
    }

    /** The page's Markdown. */
    static String page(
            String resultsName,
            List<BenchResult> results,
            List<Races.Group> groups,
            @Nullable RunInfo info,
            List<E2eRun> e2e) {
        StringBuilder md = new StringBuilder();
        md.append("# HAL9 performance\n\n");
        md.append("<!-- Generated by io.hal9.benchmarks.report.Report from benchmarks/results/")
                .append(resultsName)
                .append("; do not edit by hand: run benchmarks/run. -->\n\n");
        md.append("Every HAL9 module raced against the library a game-server team would otherwise pick (its"
                + " *anchor*), in the same JMH run with the same JVM flags. Losses are shown as they are.\n\n");
        md.append("How to read the tables: **median** is the median of JMH's raw data (the scores of every"
                + " measured iteration of every fork; in sample mode, every sampled operation); **score ±"
                + " error** is JMH's own mean and the half-width of its 99.9% confidence interval (n/a with"
                + " too few iterations); **alloc/op** is `-prof gc`'s `gc.alloc.rate.norm` (bytes allocated"
                + " per operation, median); **ratio** is median / the anchor's median in the same row group,"
                + " and each table's header says which way is better (throughput: higher; time per operation:"
                + " lower). HAL9 rows are in bold; charts draw the median with whiskers of ± JMH's error, on a"
                + " logarithmic axis when one bar is more than 30 times another (the chart says so).\n\n");
        run(md, resultsName, results, info);
        md.append("## End to end: a game server's performance targets\n\n");
        if (e2e.isEmpty()) {
            md.append("No end-to-end run yet: the reference server's load generator writes"
                    + " `benchmarks/results/e2e.json`, and the next generation of this page shows it here.\n\n");
        } else {
            for (E2eRun run : e2e) {
                if (e2e.size() > 1) {
                    md.append("### ").append(run.title()).append("\n\n");
                }
                e2e(md, run.result());
            }
        }
        summary(md, groups);
        bySuite(groups).forEach((suite, inSuite) -> {
            md.append("## ")
                    .append(suite.isEmpty() ? "(default package)" : suite)
                    .append("\n\n");
            inSuite.forEach(g -> group(md, g));
        });
        return md.toString();
    }

    private static void run(StringBuilder md, String resultsName, List<BenchResult> results, @Nullable RunInfo info) {
        md.append("## The run\n\n| | |\n|---|---|\n");
        Set<String> jdks = new LinkedHashSet<>();
        Set<String> flags = new LinkedHashSet<>();
        for (BenchResult r : results) {
            jdks.add(r.jdk());
            flags.add(String.join(" ", r.jvmArgs()));
        }
        if (info != null) {
            row(md, "machine", info.cpu() + ", " + info.cores() + " logical CPUs, " + info.memory() + " memory");
            row(md, "OS", info.os());
            row(md, "JDK", info.jdkVendor() + " " + String.join("; ", jdks));
        } else {
            RunInfo here = RunInfo.probe("", "", "", List.of());
            row(
                    md,
                    "machine",
                    here.cpu() + ", " + here.cores() + " logical CPUs, " + here.memory()
                            + " memory (the machine this page was generated on: the run left no "
                            + "description)");
            row(md, "JDK", String.join("; ", jdks));
        }
        List<String> flagList = new ArrayList<>();
        flags.forEach(f -> flagList.add("`" + (f.isEmpty() ? "(none)" : f) + "`"));
        row(md, "JVM flags", String.join("; ", flagList) + ", profiler `-prof gc`");
        row(md, "profile", info == null ? "unknown" : info.profile());
        row(md, "date", info == null ? dateFrom(resultsName) : info.date());
        row(md, "command", info == null || info.command().isEmpty() ? "unknown" : "`" + info.command() + "`");
        row(md, "results", "`benchmarks/results/" + resultsName + "` (JMH JSON)");
        if (info != null && !info.failed().isEmpty()) {
            row(md, "**failed**", "no or incomplete results, so missing below: " + String.join(", ", info.failed()));
        }
        md.append('\n');
    }

    /** The date at the start of a results file's name ({@code 2026-11-27-...}), else "unknown". */
    private static String dateFrom(String name) {
        return name.matches("\\d{4}-\\d{2}-\\d{2}.*") ? name.substring(0, 10) : "unknown";
    }

    private static void row(StringBuilder md, String key, String value) {
        md.append("| ").append(key).append(" | ").append(Fmt.md(value)).append(" |\n");
    }

    static void e2e(StringBuilder md, E2eResult e2e) {
        md.append("The reference server under its load generator: ")
                .append(Fmt.md(e2e.machine()))
                .append(", ")
                .append(Fmt.md(e2e.jdk()))
                .append(", ")
                .append(Fmt.md(e2e.date()))
                .append(".");
        if (!e2e.command().isEmpty()) {
            md.append(" Command: `").append(e2e.command()).append("`.");
        }
        if (!e2e.notes().isEmpty()) {
            md.append(' ').append(e2e.notes());
        }
        md.append("\n\n| metric | typical target | HAL9 target | measured | met |\n|---|---|---|---|---|\n");
        for (E2eResult.Row r : e2e.rows()) {
            String untested = untested(r, e2e.command());
            md.append("| ")
                    .append(Fmt.md(r.label()))
                    .append(" | ")
                    .append(r.seedTarget().isEmpty() ? "—" : Fmt.md(r.seedTarget()))
                    .append(" | ")
                    .append(r.hal9Target().isEmpty() ? "—" : Fmt.md(r.hal9Target()))
                    .append(" | ")
                    .append(Fmt.num(r.measured()))
                    .append(' ')
                    .append(Fmt.md(r.unit()))
                    .append(" | ")
                    .append(
                            r.seedTarget().isEmpty() && r.hal9Target().isEmpty()
                                    ? "—" // no target to meet
                                    : untested != null ? untested : r.met() ? "yes" : "**no**")
                    .append(" |\n");
        }
        md.append('\n');
    }

    /**
     * Why a run does not test a row's target, or null when it does: a run asked for fewer games,
     * connections or actions/s than the target names cannot meet it, and a throughput run far past
     * 10,000 actions/s is not the load the latency target is set at. Read from the run's command
     * ({@code --games}, {@code --players}, {@code --rate}); a command without them tests everything.
     */
    static @Nullable String untested(E2eResult.Row r, String command) {
        long games = option(command, "--games");
        long players = option(command, "--players");
        long rate = option(command, "--rate");
        return switch (r.metric()) {
            case "concurrent_games" -> games > 0 && games < 5_000 ? "not tested (run of " + games + " games)" : null;
            case "websocket_connections" ->
                games > 0 && players > 0 && games * players < 10_000
                        ? "not tested (run of " + games * players + " connections)"
                        : null;
            case "actions_per_second_persisted" ->
                rate > 0 && rate < 20_000 ? "not tested (run asks " + rate + "/s)" : null;
            case "latency_p99", "latency_corrected_p99" ->
                rate > 12_000 ? "not tested (throughput run at " + rate + "/s)" : null;
            default -> null;
        };
    }

    /** The number after {@code name} in a command line, or -1. */
    private static long option(String command, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:^|\\s)" + name + "\\s+(\\d+)(?:\\s|$)")
                .matcher(command);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static void summary(StringBuilder md, List<Races.Group> groups) {
        md.append("## At a glance\n\nEach HAL9 row's ratio to its anchor (see the direction per row).\n\n");
        md.append("| suite | benchmark | mode | better is | HAL9 / anchor |\n|---|---|---|---|---|\n");
        for (Races.Group g : groups) {
            List<String> parts = new ArrayList<>();
            for (Races.RowGroup rg : g.rowGroups()) {
                for (Races.Row row : rg.rows()) {
                    if (row.kind() == Races.Kind.HAL9 && !Double.isNaN(row.ratio())) {
                        String where = rg.label().isEmpty() ? "" : " (" + rg.label() + ")";
                        String part = row.impl() + where + " " + Fmt.ratio(row.ratio()) + " vs " + g.anchor() + " ("
                                + verdict(row.ratio(), g.higherIsBetter()) + ")";
                        Races.Row anchor = rg.rows().stream()
                                .filter(r -> r.kind() == Races.Kind.ANCHOR)
                                .findFirst()
                                .orElse(null);
                        String own = hitRate(row.result());
                        if (!own.equals("—")
                                && anchor != null
                                && !hitRate(anchor.result()).equals("—")) {
                            part += ", hit rate " + own + " vs " + hitRate(anchor.result());
                        }
                        parts.add(part);
                    }
                }
            }
            md.append("| ")
                    .append(Fmt.md(g.suite()))
                    .append(" | [")
                    .append(Fmt.md(g.title()))
                    .append("](#")
                    .append(anchorLink(g))
                    .append(") | ")
                    .append(g.mode())
                    .append(" | ")
                    .append(g.higherIsBetter() ? "higher" : "lower")
                    .append(" | ")
                    .append(parts.isEmpty() ? "—" : Fmt.md(String.join("; ", parts)))
                    .append(" |\n");
        }
        md.append('\n');
    }

    /** "better", "worse" or "same" (equal at two decimals) for a ratio to the anchor. */
    static String verdict(double ratio, boolean higherIsBetter) {
        if (Fmt.ratio(ratio).equals("1.00×")) {
            return "same";
        }
        return (ratio > 1) == higherIsBetter ? "better" : "worse";
    }

    /** GitHub's heading slug of a race's heading. */
    static String anchorLink(Races.Group g) {
        String heading = heading(g).toLowerCase(java.util.Locale.ROOT);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < heading.length(); i++) {
            char c = heading.charAt(i);
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                b.append(c);
            } else if (c == ' ') {
                b.append('-');
            }
        }
        return b.toString();
    }

    private static String heading(Races.Group g) {
        return g.title() + " (" + g.mode() + ")";
    }

    static void group(StringBuilder md, Races.Group g) {
        md.append("### ").append(heading(g)).append("\n\n");
        Set<Integer> threads = new TreeSet<>();
        Set<Integer> forks = new TreeSet<>();
        Set<Integer> samples = new TreeSet<>();
        boolean allRaw = true;
        for (Races.RowGroup rg : g.rowGroups()) {
            for (Races.Row row : rg.rows()) {
                threads.add(row.result().threads());
                forks.add(row.result().forks());
                samples.add(row.result().samples());
                allRaw &= row.result().medianOfRawData();
            }
        }
        md.append("Mode `")
                .append(g.mode())
                .append("`, unit ")
                .append(Fmt.md(g.unit()))
                .append(", **")
                .append(g.higherIsBetter() ? "higher is better" : "lower is better")
                .append("**; threads ")
                .append(join(threads))
                .append("; forks ")
                .append(join(forks))
                .append("; anchor: ")
                .append(g.anchor() == null ? "none (nothing to compare with)" : "`" + g.anchor() + "`")
                .append(". Median over ")
                .append(join(samples))
                .append(g.mode().equals("sample") ? " sampled operations" : " iterations")
                .append(allRaw ? "" : " (rows without raw data show JMH's score instead)")
                .append(".\n\n");
        md.append("![")
                .append(Fmt.md(g.title()))
                .append("](perf/")
                .append(g.id())
                .append(".svg)\n\n");
        List<String> paramNames = new ArrayList<>();
        for (Races.RowGroup rg : g.rowGroups()) {
            for (String k : rg.params().keySet()) {
                if (!paramNames.contains(k)) {
                    paramNames.add(k);
                }
            }
        }
        StringBuilder header = new StringBuilder("|");
        StringBuilder rule = new StringBuilder("|");
        for (String p : paramNames) {
            header.append(' ').append(Fmt.md(p)).append(" |");
            rule.append("---|");
        }
        List<String> counters = new ArrayList<>();
        for (Races.RowGroup rg : g.rowGroups()) {
            for (Races.Row row : rg.rows()) {
                for (String c : row.result().counters().keySet()) {
                    if (!counters.contains(c)) {
                        counters.add(c);
                    }
                }
            }
        }
        boolean hitRate = counters.contains("hits") && counters.contains("misses");
        header.append(" implementation | median | score ± error | unit | alloc/op (B) | ratio to anchor (")
                .append(g.higherIsBetter() ? "higher is better" : "lower is better")
                .append(") |");
        rule.append("---|---:|---:|---|---:|---:|");
        for (String c : counters) {
            header.append(' ').append(Fmt.md(c)).append(" |");
            rule.append("---:|");
        }
        if (hitRate) {
            header.append(" hit rate |");
            rule.append("---:|");
        }
        md.append(header).append('\n').append(rule).append('\n');
        for (Races.RowGroup rg : g.rowGroups()) {
            for (Races.Row row : rg.rows()) {
                BenchResult r = row.result();
                md.append('|');
                for (String p : paramNames) {
                    md.append(' ')
                            .append(Fmt.md(rg.params().getOrDefault(p, "")))
                            .append(" |");
                }
                String impl = Fmt.md(row.impl());
                String label = switch (row.kind()) {
                    case HAL9 -> "**" + impl + "**";
                    case ANCHOR -> impl + " (anchor)";
                    case OTHER -> impl;
                };
                md.append(' ')
                        .append(label)
                        .append(" | ")
                        .append(bold(row, Fmt.num(r.median())))
                        .append(" | ")
                        .append(Fmt.num(r.score()))
                        .append(" ± ")
                        .append(Fmt.num(r.error()))
                        .append(" | ")
                        .append(Fmt.md(r.unit()))
                        .append(" | ")
                        .append(Fmt.bytes(r.allocPerOp()))
                        .append(" | ")
                        .append(bold(row, Fmt.ratio(row.ratio())))
                        .append(" |");
                for (String c : counters) {
                    Double v = r.counters().get(c);
                    md.append(' ').append(v == null ? "—" : Fmt.num(v)).append(" |");
                }
                if (hitRate) {
                    md.append(' ').append(hitRate(r)).append(" |");
                }
                md.append('\n');
            }
        }
        md.append('\n');
        List<String> notes = new ArrayList<>();
        if (counters.stream().anyMatch(JmhJson.PERCENTILES_KEPT::containsValue)) {
            notes.add("p99 and p99.9 are JMH's percentiles over every sampled operation, in " + g.unit());
        }
        if (counters.stream().anyMatch(c -> !JmhJson.PERCENTILES_KEPT.containsValue(c))) {
            notes.add("the benchmark's own counters (`@AuxCounters`) are medians per iteration");
        }
        if (hitRate) {
            notes.add("hit rate = hits / (hits + misses): higher is better");
        }
        if (!notes.isEmpty()) {
            md.append("After the ratio: ").append(String.join("; ", notes)).append(".\n\n");
        }
    }

    /** hits / (hits + misses) from a result's {@code @AuxCounters}, as {@code 44.28%}; a dash without them. */
    static String hitRate(BenchResult r) {
        Double hits = r.counters().get("hits");
        Double misses = r.counters().get("misses");
        return hits == null || misses == null || hits + misses == 0
                ? "—"
                : String.format(java.util.Locale.ROOT, "%.2f%%", 100 * hits / (hits + misses));
    }

    private static String bold(Races.Row row, String s) {
        return row.kind() == Races.Kind.HAL9 && !s.equals("—") && !s.equals("n/a") ? "**" + s + "**" : s;
    }

    private static String join(Set<Integer> values) {
        List<String> s = new ArrayList<>();
        values.forEach(v -> s.add(Integer.toString(v)));
        return String.join("/", s);
    }

    /** Races by suite (package), suites in order of first appearance. */
    static Map<String, List<Races.Group>> bySuite(List<Races.Group> groups) {
        Map<String, List<Races.Group>> m = new LinkedHashMap<>();
        groups.forEach(g -> m.computeIfAbsent(g.suite(), k -> new ArrayList<>()).add(g));
        return m;
    }
}
