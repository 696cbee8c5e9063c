package io.hal9.benchmarks.cache;

import io.hal9.cache.LocalCache;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Hit rate of HAL9's bounded {@link LocalCache} (Caffeine's W-TinyLFU) against a plain LRU ({@link
 * LinkedHashMap} in access order, evicting its eldest entry) of the same size, on a Zipf-like trace:
 * {@value #ACCESSES} accesses over {@value #KEYS} keys, skew {@code s} (key of rank {@code i} asked with
 * probability proportional to {@code 1 / i^s}), generated with a fixed seed so every run replays the same
 * trace. Each access is a lookup; a miss puts the key. Cache sizes: 1% and 10% of the keys.
 *
 * <p>Read the hit rate from the {@code hits} and {@code misses} counters ({@code @AuxCounters}): hit rate
 * = hits / (hits + misses), each counter being the total of one replay. The score itself is the time of
 * one replay on one thread (single shot), for information only. Or run {@link #main} for a printed table
 * without JMH: {@code java -cp benchmarks.jar io.hal9.benchmarks.cache.HitRateBenchmark}.
 *
 * <p>Eviction runs on the calling thread ({@code executor(Runnable::run)}) so the replay is deterministic.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class HitRateBenchmark {
    /** Distinct keys in the trace. */
    static final int KEYS = 100_000;

    /** Accesses in the trace. */
    static final int ACCESSES = 1_000_000;

    /** The trace's seed. */
    static final long SEED = 0x4A19_2026L;

    @Param({"hal9", "lru"})
    public String impl;

    @Param({"0.01", "0.1"})
    public double cacheFraction;

    @Param({"0.9", "1.0"})
    public double skew;

    private int[] trace = new int[0];

    /** The replay's counters, read by JMH as secondary results. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Counters {
        public long hits;
        public long misses;

        @Setup(Level.Iteration)
        public void reset() {
            hits = 0;
            misses = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        trace = zipfTrace(KEYS, ACCESSES, skew, SEED);
    }

    @Benchmark
    public long replay(Counters counters) {
        long[] result = replay(impl, trace, (int) Math.round(KEYS * cacheFraction));
        counters.hits += result[0];
        counters.misses += result[1];
        return result[0];
    }

    /** Replays {@code trace} on a fresh cache of {@code size} entries; returns {hits, misses}. */
    static long[] replay(String impl, int[] trace, int size) {
        long hits = 0;
        if (impl.equals("hal9")) {
            try (LocalCache<Integer, Integer> cache = LocalCache.<Integer, Integer>builder("hit-rate")
                    .maximumSize(size)
                    .executor(Runnable::run)
                    .build()) {
                for (int k : trace) {
                    Integer key = k;
                    if (cache.getIfPresent(key) != null) {
                        hits++;
                    } else {
                        cache.put(key, key);
                    }
                }
            }
        } else if (impl.equals("lru")) {
            Map<Integer, Integer> lru = new LinkedHashMap<>(size * 2, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Integer, Integer> eldest) {
                    return size() > size;
                }
            };
            for (int k : trace) {
                Integer key = k;
                if (lru.get(key) != null) {
                    hits++;
                } else {
                    lru.put(key, key);
                }
            }
        } else {
            throw new IllegalArgumentException("unknown impl " + impl);
        }
        return new long[] {hits, trace.length - hits};
    }

    /**
     * A Zipf-like trace: {@code length} key indices in {@code [0, keys)}, index {@code i} drawn with
     * probability proportional to {@code 1 / (i + 1)^skew}, from a {@link SplittableRandom} seeded with
     * {@code seed}. Index 0 is the hottest key.
     */
    static int[] zipfTrace(int keys, int length, double skew, long seed) {
        double[] cdf = new double[keys];
        double sum = 0;
        for (int i = 0; i < keys; i++) {
            sum += 1.0 / Math.pow(i + 1, skew);
            cdf[i] = sum;
        }
        SplittableRandom random = new SplittableRandom(seed);
        int[] trace = new int[length];
        for (int n = 0; n < length; n++) {
            double u = random.nextDouble() * sum;
            int lo = 0;
            int hi = keys - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (cdf[mid] < u) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            trace[n] = lo;
        }
        // Shuffle the key ids so that hot keys are not also the smallest integers (hash neighbours).
        int[] ids = new int[keys];
        for (int i = 0; i < keys; i++) {
            ids[i] = i;
        }
        for (int i = keys - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = ids[i];
            ids[i] = ids[j];
            ids[j] = t;
        }
        for (int n = 0; n < length; n++) {
            trace[n] = ids[trace[n]];
        }
        return trace;
    }

    /** Prints the hit rates of every combination, without JMH. */
    public static void main(String[] args) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%-6s %-6s %-6s %10s%n", "skew", "size", "impl", "hit rate"));
        for (double s : new double[] {0.9, 1.0}) {
            int[] trace = zipfTrace(KEYS, ACCESSES, s, SEED);
            for (double fraction : new double[] {0.01, 0.1}) {
                int size = (int) Math.round(KEYS * fraction);
                for (String impl : new String[] {"hal9", "lru"}) {
                    long[] r = replay(impl, trace, size);
                    out.append(String.format(
                            Locale.ROOT, "%-6.1f %-6d %-6s %9.2f%%%n", s, size, impl, 100.0 * r[0] / (r[0] + r[1])));
                }
            }
        }
        System.out.print(out);
    }
}
