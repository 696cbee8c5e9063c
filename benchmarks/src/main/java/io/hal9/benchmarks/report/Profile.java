package io.hal9.benchmarks.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.Optional;

/**
 * How much of each benchmark a run measures. The profile is code so that a run is reproducible from its
 * name:
 *
 * <ul>
 *   <li>{@link #QUICK}: 1 fork; time-based modes 2 × 1 s warmup and 3 × 1 s measurement; single-shot
 *       benchmarks at most 1 warmup and 3 measured iterations (fewer when their annotations ask for
 *       fewer); every value of the contender parameter and only the first declared value of every other
 *       parameter. The whole suite in well under 15 minutes on 2 cores.
 *   <li>{@link #FULL}: the annotations' own iterations, times and parameters, with at least 2 forks.
 *   <li>{@link #SMOKE}: checks the pipeline, not the code: 1 fork, 1 × 100 ms warmup, 1 × 200 ms
 *       measurement (single shot: 0 + 1), parameters as in quick. Its numbers mean nothing.
 * </ul>
 *
 * <p>Thread safety: immutable.
 */
enum Profile {
    QUICK("quick: 1 fork, 2 × 1 s warmup, 3 × 1 s measurement (single shot: ≤ 1 + ≤ 3 iterations),"
            + " first declared value of every parameter but the contender"),
    FULL("full: the benchmarks' own warmup, measurement and parameters, at least 2 forks"),
    SMOKE("smoke: 1 fork, 1 × 100 ms warmup, 1 × 200 ms measurement; a pipeline check, not a measurement");

    /** JMH's defaults when a benchmark has no annotation. */
    static final int DEFAULT_FORKS = 5;

    static final int DEFAULT_ITERATIONS = 5;
    static final TimeValue DEFAULT_TIME = TimeValue.seconds(10);

    /** Seconds a fork costs beyond its iterations: JVM start, pre-touching 2 GiB, setup and teardown. */
    static final double FORK_OVERHEAD_SECONDS = 4;

    /** A conservative guess of one single-shot iteration, which has no set duration (HitRate: ~3.5 s). */
    static final double SINGLE_SHOT_SECONDS = 4;

    private final String description;

    Profile(String description) {
        this.description = description;
    }

    String description() {
        return description;
    }

    static Profile of(String name) {
        for (Profile p : values()) {
            if (p.name().toLowerCase(Locale.ROOT).equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown profile '" + name + "': expected quick, full or smoke");
    }

    /**
     * What one JMH run of one benchmark method measures in this profile.
     *
     * @param method the method's fully qualified name
     * @param modes its modes
     * @param forks forks per combination
     * @param warmupIterations warmup iterations, or -1 for the annotation's
     * @param warmupTime warmup iteration time, or null for the annotation's
     * @param measurementIterations measured iterations, or -1 for the annotation's
     * @param measurementTime measured iteration time, or null for the annotation's
     * @param params the parameter values to run (every declared one when not reduced)
     * @param combinations parameter combinations × modes
     * @param seconds the estimated wall time
     * @param jvmArgsAppend the benchmark's own appended JVM flags without heap sizing and pre-touch,
     *     followed by {@link Suite#JVM_FLAGS}
     */
    record MethodRun(
            String method,
            List<Mode> modes,
            int forks,
            int warmupIterations,
            @Nullable TimeValue warmupTime,
            int measurementIterations,
            @Nullable TimeValue measurementTime,
            Map<String, List<String>> params,
            int combinations,
            double seconds,
            List<String> jvmArgsAppend) {}

    /** Plans one run per benchmark method (all modes of a method run together). */
    List<MethodRun> plan(List<BenchmarkListEntry> entries) {
        Map<String, List<BenchmarkListEntry>> byMethod = new LinkedHashMap<>();
        for (BenchmarkListEntry e : entries) {
            byMethod.computeIfAbsent(e.getUsername(), k -> new ArrayList<>()).add(e);
        }
        List<MethodRun> runs = new ArrayList<>();
        byMethod.forEach((method, list) -> runs.add(plan(method, list)));
        return runs;
    }

    private MethodRun plan(String method, List<BenchmarkListEntry> entries) {
        BenchmarkListEntry first = entries.get(0);
        List<Mode> modes =
                entries.stream().map(BenchmarkListEntry::getMode).distinct().toList();
        boolean singleShot = modes.stream().allMatch(m -> m == Mode.SingleShotTime);
        int annForks = orElse(first.getForks(), DEFAULT_FORKS);
        int annWi = orElse(first.getWarmupIterations(), singleShot ? 0 : DEFAULT_ITERATIONS);
        int annMi = orElse(first.getMeasurementIterations(), singleShot ? 1 : DEFAULT_ITERATIONS);
        TimeValue annWt = orElse(first.getWarmupTime(), DEFAULT_TIME);
        TimeValue annMt = orElse(first.getMeasurementTime(), DEFAULT_TIME);

        String contender = contenderParam(first.getUserClassQName());
        Map<String, List<String>> params = new LinkedHashMap<>();
        Map<String, String[]> declared = orElse(first.getParams(), Map.of());
        declared.forEach((name, values) -> {
            List<String> all = List.of(values);
            params.put(name, this == FULL || name.equals(contender) || all.isEmpty() ? all : List.of(all.get(0)));
        });
        int combinations = modes.size();
        for (List<String> v : params.values()) {
            combinations *= Math.max(1, v.size());
        }

        int forks;
        int wi;
        int mi;
        TimeValue wt;
        TimeValue mt;
        switch (this) {
            case QUICK -> {
                forks = 1;
                wi = singleShot ? Math.min(annWi, 1) : 2;
                mi = singleShot ? Math.min(annMi, 3) : 3;
                wt = TimeValue.seconds(1);
                mt = TimeValue.seconds(1);
            }
            case SMOKE -> {
                forks = 1;
                wi = singleShot ? 0 : 1;
                mi = 1;
                wt = TimeValue.milliseconds(100);
                mt = TimeValue.milliseconds(200);
            }
            default -> {
                forks = Math.max(annForks, 2);
                wi = annWi;
                mi = annMi;
                wt = annWt;
                mt = annMt;
            }
        }
        double perFork = FORK_OVERHEAD_SECONDS
                + (singleShot ? (wi + mi) * SINGLE_SHOT_SECONDS : wi * seconds(wt) + mi * seconds(mt));
        boolean own = this == FULL;
        return new MethodRun(
                method,
                modes,
                forks,
                own ? -1 : wi,
                own ? null : wt,
                own ? -1 : mi,
                own ? null : mt,
                params,
                combinations,
                combinations * forks * perFork,
                jvmArgsAppend(orElse(first.getJvmArgsAppend(), List.of())));
    }

    /**
     * A benchmark's own {@code jvmArgsAppend} (which JMH would otherwise replace with the suite's) minus
     * the flags the suite sets for every benchmark, then the suite's flags.
     */
    static List<String> jvmArgsAppend(java.util.Collection<String> own) {
        List<String> flags = new ArrayList<>();
        for (String f : own) {
            if (!(f.startsWith("-Xms")
                    || f.startsWith("-Xmx")
                    || f.startsWith("-XX:+AlwaysPreTouch")
                    || f.startsWith("-XX:-AlwaysPreTouch"))) {
                flags.add(f);
            }
        }
        flags.addAll(Suite.JVM_FLAGS);
        return List.copyOf(flags);
    }

    /** The contender parameter's name for a benchmark class: {@link Race#param()} or {@code impl}. */
    static String contenderParam(String className) {
        Race race = Races.raceAnnotation(className);
        return race == null ? "impl" : race.param();
    }

    private static double seconds(TimeValue t) {
        return t.convertTo(TimeUnit.MILLISECONDS) / 1000.0;
    }

    private static <T> T orElse(Optional<T> o, T otherwise) {
        return o.hasValue() ? o.get() : otherwise;
    }
}
