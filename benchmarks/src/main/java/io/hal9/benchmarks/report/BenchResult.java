package io.hal9.benchmarks.report;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One benchmark result of a JMH JSON file (one benchmark method, mode and combination of parameters),
 * reduced to what the report and the comparison use.
 *
 * <p>Thread safety: immutable.
 *
 * @param benchmark the method's fully qualified name, {@code io.hal9.benchmarks.core.FooBenchmark.bar}
 * @param mode JMH's short mode name: {@code thrpt}, {@code avgt}, {@code sample} or {@code ss}
 * @param threads benchmark threads
 * @param forks measured forks
 * @param params the {@code @Param} values, in the order JMH wrote them
 * @param score JMH's score (the mean over all iterations, or all samples in sample mode)
 * @param error JMH's score error (half-width of its 99.9% confidence interval); NaN when JMH has none
 * @param unit the score's unit, e.g. {@code ops/us}
 * @param median the median of the raw data (iteration scores, or samples in sample mode); the score when
 *     the file has no raw data
 * @param medianOfRawData whether {@link #median} comes from raw data
 * @param samples how many raw values the median is taken over (iterations, or samples in sample mode)
 * @param allocPerOp {@code gc.alloc.rate.norm} (bytes per operation, median of its raw data) or NaN
 *     when the run had no {@code -prof gc}
 * @param jvmArgs the forked JVM's arguments
 * @param jdk JDK version, VM name and VM version as JMH reports them
 * @param counters the other secondary metrics, by name in JMH's order: {@code @AuxCounters} such as
 *     {@code hits} (median of their raw data), and in sample mode the {@code p99} and {@code p99.9}
 *     percentiles; profilers' metrics ({@code gc.*}) and the other percentiles are left out
 */
record BenchResult(
        String benchmark,
        String mode,
        int threads,
        int forks,
        Map<String, String> params,
        double score,
        double error,
        String unit,
        double median,
        boolean medianOfRawData,
        int samples,
        double allocPerOp,
        List<String> jvmArgs,
        String jdk,
        Map<String, Double> counters) {

    public BenchResult {
        params = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(params));
        jvmArgs = List.copyOf(jvmArgs);
        counters = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(counters));
    }

    /** Whether a higher score is better: true in throughput mode, false in the time modes. */
    public boolean higherIsBetter() {
        return higherIsBetter(mode);
    }

    /** Whether a higher score is better for a JMH mode name. */
    static boolean higherIsBetter(String mode) {
        return mode.equals("thrpt");
    }

    /** The class part of {@link #benchmark}. */
    public String className() {
        int dot = benchmark.lastIndexOf('.');
        return dot < 0 ? "" : benchmark.substring(0, dot);
    }

    /** The method part of {@link #benchmark}. */
    public String method() {
        return benchmark.substring(benchmark.lastIndexOf('.') + 1);
    }

    /** Identity for matching two runs: benchmark, mode and parameters (sorted by name). */
    public String key() {
        StringBuilder b = new StringBuilder(benchmark).append(" [").append(mode).append(']');
        new TreeMap<>(params)
                .forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
        return b.toString();
    }
}
