package io.hal9.benchmarks.report;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Sorts benchmark results into races (one table and one chart each) by the convention of the package
 * documentation: {@link Contender} on the method, else the contender {@code @Param} ({@link Race}), else
 * one race per method. The annotations are read from the benchmark classes when they are on the class
 * path; a result whose class is not (an old file) follows the default rules.
 *
 * <p>Thread safety: stateless.
 */
final class Races {
    private Races() {}

    /** What a row is. */
    enum Kind {
        HAL9,
        ANCHOR,
        OTHER
    }

    /** One implementation's result in a row group, with its ratio to the row group's anchor (NaN: none). */
    record Row(String impl, Kind kind, BenchResult result, double ratio) {}

    /** The rows that share the values of every parameter but the contender. */
    record RowGroup(Map<String, String> params, List<Row> rows) {
        /** {@code threadKind=platform, size=10}, or empty when the race has no other parameter. */
        String label() {
            List<String> parts = new ArrayList<>();
            params.forEach((k, v) -> parts.add(k + "=" + v));
            return String.join(", ", parts);
        }
    }

    /**
     * One race: a benchmark class's method (or {@link Contender#race()}) in one mode.
     *
     * @param suite the package's last segment, {@code core}
     * @param benchmarkClass the class's simple name
     * @param name the race's name
     * @param mode JMH's mode
     * @param unit the score's unit (that of the first result; a race mixing units is split)
     * @param anchor the anchor's label, or null when the race has no anchor
     */
    record Group(
            String suite,
            String benchmarkClass,
            String name,
            String mode,
            String unit,
            @Nullable String anchor,
            List<RowGroup> rowGroups) {

        boolean higherIsBetter() {
            return BenchResult.higherIsBetter(mode);
        }

        /** {@code core.ActionBatcherBenchmark.submit1Producer.thrpt}: unique, safe in a file name. */
        String id() {
            return (suite + "." + benchmarkClass + "." + name + "." + mode).replaceAll("[^A-Za-z0-9._-]", "_");
        }

        /** {@code ActionBatcher · submit1Producer}: the class without its {@code Benchmark} suffix. */
        String title() {
            String cls = benchmarkClass.endsWith("Benchmark") && benchmarkClass.length() > "Benchmark".length()
                    ? benchmarkClass.substring(0, benchmarkClass.length() - "Benchmark".length())
                    : benchmarkClass;
            return cls + " · " + name;
        }

        /** Whether any row group has parameters of its own. */
        boolean hasParams() {
            return rowGroups.stream().anyMatch(g -> !g.params().isEmpty());
        }
    }

    /** Where a result goes: its race, its label, whether it is HAL9 / the declared anchor. */
    private record Placement(
            String race, String impl, boolean hal9, boolean declaredAnchor, Map<String, String> params) {}

    /**
     * Sorts results into races, ordered by suite, class, race and mode; rows keep the results' order
     * (JMH's: the {@code @Param}'s declaration order).
     */
    static List<Group> of(List<BenchResult> results) {
        Map<String, List<Placed>> byRace = new LinkedHashMap<>();
        Map<String, String> anchorByClass = new LinkedHashMap<>();
        for (BenchResult r : results) {
            Placement p = place(r);
            String key = r.className() + "#" + p.race() + "#" + r.mode() + "#" + r.unit();
            byRace.computeIfAbsent(key, k -> new ArrayList<>()).add(new Placed(r, p));
            Race race = raceAnnotation(r.className());
            anchorByClass.put(r.className(), race == null ? "" : race.anchor());
        }
        List<Group> groups = new ArrayList<>();
        for (List<Placed> placed : byRace.values()) {
            BenchResult first = placed.get(0).result();
            String anchor = anchorOf(placed, Objects.requireNonNull(anchorByClass.get(first.className())));
            Map<Map<String, String>, List<Row>> rowGroups = new LinkedHashMap<>();
            Map<Map<String, String>, BenchResult> anchors = new LinkedHashMap<>();
            for (Placed p : placed) {
                if (p.placement().impl().equals(anchor)) {
                    anchors.put(p.placement().params(), p.result());
                }
            }
            for (Placed p : placed) {
                Placement pl = p.placement();
                BenchResult anchorResult = anchors.get(pl.params());
                Kind kind = pl.impl().equals(anchor) ? Kind.ANCHOR : pl.hal9() ? Kind.HAL9 : Kind.OTHER;
                double ratio = anchorResult == null || anchorResult.median() == 0
                        ? Double.NaN
                        : p.result().median() / anchorResult.median();
                rowGroups
                        .computeIfAbsent(pl.params(), k -> new ArrayList<>())
                        .add(new Row(pl.impl(), kind, p.result(), ratio));
            }
            List<RowGroup> list = new ArrayList<>();
            rowGroups.forEach((params, rows) -> list.add(new RowGroup(params, List.copyOf(rows))));
            String cls = first.className();
            String suite = cls.contains(".") ? cls.substring(0, cls.lastIndexOf('.')) : "";
            suite = suite.substring(suite.lastIndexOf('.') + 1);
            groups.add(new Group(
                    suite,
                    cls.substring(cls.lastIndexOf('.') + 1),
                    placed.get(0).placement().race(),
                    first.mode(),
                    first.unit(),
                    anchor,
                    List.copyOf(list)));
        }
        // The page's order: independent of the order the benchmarks ran in.
        groups.sort(Comparator.comparing(Group::suite)
                .thenComparing(Group::benchmarkClass)
                .thenComparing(Group::name)
                .thenComparing(Group::mode)
                .thenComparing(Group::unit));
        return groups;
    }

    private record Placed(BenchResult result, Placement placement) {}

    /** The anchor of one race: declared by @Contender, else by @Race, else the first non-HAL9 label. */
    private static @Nullable String anchorOf(List<Placed> placed, String declaredByClass) {
        for (Placed p : placed) {
            if (p.placement().declaredAnchor()) {
                return p.placement().impl();
            }
        }
        if (!declaredByClass.isEmpty()) {
            for (Placed p : placed) {
                if (p.placement().impl().equals(declaredByClass)) {
                    return declaredByClass;
                }
            }
        }
        List<String> labels =
                placed.stream().map(p -> p.placement().impl()).distinct().toList();
        if (labels.size() < 2) {
            return null; // a race of one: nothing to compare with
        }
        for (Placed p : placed) {
            if (!p.placement().hal9()) {
                return p.placement().impl();
            }
        }
        return null;
    }

    private static Placement place(BenchResult r) {
        Race race = raceAnnotation(r.className());
        String param = race == null ? "impl" : race.param();
        String prefix = race == null ? "hal9" : race.hal9Prefix();
        Contender contender = contenderAnnotation(r.className(), r.method());
        Map<String, String> others = new LinkedHashMap<>(r.params());
        if (contender != null) {
            return new Placement(
                    contender.race(),
                    contender.impl(),
                    contender.impl().startsWith(prefix),
                    contender.anchor(),
                    others);
        }
        String value = others.remove(param);
        if (value != null) {
            return new Placement(r.method(), value, value.startsWith(prefix), false, others);
        }
        return new Placement(r.method(), r.method(), r.method().startsWith(prefix), false, others);
    }

    static @Nullable Race raceAnnotation(String className) {
        Class<?> c = load(className);
        return c == null ? null : c.getAnnotation(Race.class);
    }

    static @Nullable Contender contenderAnnotation(String className, String method) {
        Class<?> c = load(className);
        if (c == null) {
            return null;
        }
        for (Method m : c.getMethods()) {
            Contender a = m.getAnnotation(Contender.class);
            if (a != null && m.getName().equals(method)) {
                return a;
            }
        }
        return null;
    }

    private static @Nullable Class<?> load(String className) {
        try {
            return Class.forName(className, false, Races.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null; // an old result file: default rules
        }
    }
}
